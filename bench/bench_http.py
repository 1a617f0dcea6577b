"""HTTP benchmark: Majlis under gunicorn (2 sync workers) against a hello-world Flask app's ceiling.

    .venv/bin/python bench/bench_http.py [--seconds 10] [--postgres postgresql://postgres@127.0.0.1:5432/DB]

Starts and stops its own servers on 127.0.0.1, loads fresh data into each database (SQLite in a temporary
folder; PostgreSQL: the database given, whose tables are dropped first), measures with wrk (a Python load
generator if wrk is absent) and prints every figure as a share of the ceiling, with the targets and the
resident size of each worker after the run. Results also go to bench/results/http-*.json.

This machine's speed moves by a quarter or more within seconds, now and then (another tenant's load). So the
hello-world app runs beside the measured server for the whole run, and each figure is measured in 2-second
slices that alternate with slices of the ceiling: a figure and its own ceiling share the same moments.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers.procs import app_env, rss_kib, start_gunicorn, worker_pids  # noqa: E402

CONNECTIONS = 8
SLICE = 2  # seconds: each figure alternates with the ceiling in slices this long
THREADS = 2
TARGETS = {"warm": 0.60, "cold": 0.20, "20k_over_200": 1.2, "submit_sqlite": 300.0}


def _run_wrk(seconds: float, *args: str) -> tuple[float, str]:
    """(requests per second, wrk's whole output) of `wrk -t2 -c8` for `seconds` with `args` (options, URL)."""
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{int(seconds)}s", *args]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), out


def wrk(port: int, path: str, seconds: float, headers: dict | None = None) -> float:
    """Requests per second on one URL (wrk -t2 -c8, or the Python fallback)."""
    if not shutil.which("wrk"):
        return _python_load(port, path, seconds, headers)
    options = ["--latency"]
    for name, value in (headers or {}).items():
        options += ["-H", f"{name}: {value}"]
    rate, out = _run_wrk(seconds, *options, f"http://127.0.0.1:{port}{path}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{path}: {errors.group(1)} error answers\n{out}")
    return rate


def _python_load(port: int, path: str, seconds: float, headers: dict | None) -> float:
    count = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def loop():
        done = 0
        while time.monotonic() < stop:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                raise RuntimeError(f"{path}: {response.status}")
            conn.close()
            done += 1
        with lock:
            count[0] += done

    started = time.monotonic()
    threads = [threading.Thread(target=loop) for _ in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return count[0] / (time.monotonic() - started)


def returning_reader_cookie(port: int, path: str) -> str:
    """The session cookie a reader's first visit sets (a returning reader sends it back)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.getheader("Set-Cookie").split(";", 1)[0]


def prepare_database(url: str, instance: Path) -> dict:
    """Schema through the migrations, shipped terms, and the articles the benchmark reads and comments on."""
    os.environ["MAJLIS_INSTANCE_PATH"] = str(instance)
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, insert, text

    from blog import create_app
    from blog.config import normalize_database_url
    from blog.extensions import db
    from blog.models import Article, ArticleStatus, Comment, CommentStatus, utcnow
    from blog.services.screening import load_shipped_terms_into_db

    if url.startswith("postgres"):
        engine = create_engine(normalize_database_url(url))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    slugs = {}
    with app.app_context():
        upgrade()
        load_shipped_terms_into_db()
        now = utcnow()
        first_at = now - timedelta(days=30)
        body = "\n\n".join(["فقرة من نص المقال تحكي ما جرى في المدينة هذا الأسبوع، بتفاصيل كافية للقارئ."] * 8)
        for name, count in (("c200", 200), ("c20k", 20_000), ("submit", 0)):
            article = Article(title=f"مقال للقياس {name}", slug=f"bench-{name}", lead="مقدمة المقال", body=body,
                              source="مجلس", status=ArticleStatus.PUBLISHED, published_at=now,
                              published_comment_count=count, published_thread_count=count)
            db.session.add(article)
            db.session.flush()
            rows = [
                {"article_id": article.id, "author_name": f"قارئ {i}", "author_email": f"r{i}@example.org",
                 "address": "", "body": f"تعليق منشور رقم {i}: رأيي أن المقال مفيد ويستحق القراءة.",
                 "status": CommentStatus.PUBLISHED, "created_at": first_at + timedelta(seconds=i), "decided_at": now,
                 "screen_action": "publish",
                 "screen_rules": "", "screen_score": 0.0, "screen_details": {}, "version": 1}
                for i in range(count)
            ]
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(Comment), rows[start:start + 5000])
            slugs[name] = article.slug
        db.session.commit()
        if url.startswith("postgres"):
            # What autovacuum does soon after a bulk load (a server may run without it: this machine's does):
            # statistics, without which the planner guesses and reads every published comment to find one
            # page's replies; and the visibility map, without which no index-only scan skips the heap.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        db.engine.dispose()
    return slugs


def thread_cursor(url: str, slug: str, position: int) -> int:
    """The id of the article's top-level comment at `position` (0-based, oldest first): the cursor of the
    keyset page that follows it."""
    from sqlalchemy import create_engine, text

    from blog.config import normalize_database_url

    engine = create_engine(normalize_database_url(url))
    with engine.connect() as conn:
        ident = conn.execute(text(
            "SELECT c.id FROM comments c JOIN articles a ON a.id = c.article_id WHERE a.slug = :s"
            " AND c.root_id IS NULL ORDER BY c.created_at, c.id LIMIT 1 OFFSET :p"), {"s": slug, "p": position}
        ).scalar_one()
    engine.dispose()
    return ident


def reader_session(port: int, slug: str) -> tuple[str, str]:
    """A reader's first visit to the article: (their session cookie, the form's CSRF token)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", f"/articles/{slug}")
    response = conn.getresponse()
    page = response.read().decode()
    conn.close()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    return cookie, re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _acknowledged(response: http.client.HTTPResponse) -> int | None:
    """The id of the comment a 303 answer acknowledges (its "#comment-ID" anchor), else None."""
    found = re.search(r"#comment-(\d+)$", response.getheader("Location") or "")
    return int(found.group(1)) if response.status == 303 and found else None


def submissions(port: int, slug: str, seconds: float) -> tuple[float, set[int]]:
    """Comments per second through the real form (CSRF, validation, screening, storage), posted by wrk
    (bench/post_comments.lua) as readers with one session, each with its own form token and text; the ids of
    the comments acknowledged. Without wrk, Python clients do the same (their own CPU then competes with the
    workers': about 0.5-0.7 ms per comment here, against wrk's 0.2-0.3)."""
    cookie, csrf = reader_session(port, slug)
    path = f"/articles/{slug}/comments"
    if not shutil.which("wrk"):
        return _python_submissions(port, path, seconds, cookie, csrf)
    rate, out = _run_wrk(seconds, "-s", str(ROOT / "bench" / "post_comments.lua"), f"http://127.0.0.1:{port}/",
                         "--", path, cookie, csrf)
    others = int(re.search(r"^other answers: (\d+)", out, re.M).group(1))
    if others or "Socket errors" in out:
        raise RuntimeError(f"submissions: {others} answers other than 303\n{out}")
    acknowledged = {int(i) for i in re.search(r"^acknowledged:(.*)$", out, re.M).group(1).split()}
    return rate, acknowledged


def _python_submissions(port: int, path: str, seconds: float, cookie: str, csrf: str) -> tuple[float, set[int]]:
    acknowledged: set[int] = set()
    lock = threading.Lock()
    errors: list[str] = []

    def client(index: int) -> None:
        n = 0
        while time.monotonic() < stop:
            body = urlencode({"author_name": f"قارئ {index}", "author_email": f"b{index}-{n % 8}@example.org",
                              "body": f"تعليق للقياس {index}-{n}: شكرا على هذا المقال المفيد.",
                              "csrf_token": csrf, "form_token": secrets.token_urlsafe(18)})
            n += 1
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", path, body=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
            response = conn.getresponse()
            response.read()
            conn.close()
            ident = _acknowledged(response)
            if ident is None:
                errors.append(str(response.status))
                continue
            with lock:
                acknowledged.add(ident)

    stop = time.monotonic() + seconds
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"submissions: error answers {sorted(set(errors))} ({len(errors)})")
    return len(acknowledged) / (time.monotonic() - started), acknowledged


def count_stored(url: str, slug: str, acknowledged: set[int]) -> tuple[int, int, int]:
    """(rows stored on the article, distinct idempotency keys among them, acknowledged comments among them).

    Every acknowledged comment is stored, once, when the third equals the number acknowledged and the second the
    first. wrk stops without waiting for the answers in flight, so up to one comment per connection and slice may
    be stored and not counted as acknowledged."""
    from sqlalchemy import create_engine, text

    from blog.config import normalize_database_url

    engine = create_engine(normalize_database_url(url))
    with engine.connect() as conn:
        article_id = conn.execute(text("SELECT id FROM articles WHERE slug = :s"), {"s": slug}).scalar_one()
        rows = conn.execute(text("SELECT id, form_key FROM comments WHERE article_id = :a"), {"a": article_id}).all()
    engine.dispose()
    return len(rows), len({row.form_key for row in rows}), len(acknowledged & {row.id for row in rows})


def slices(seconds: float) -> int:
    """How many SLICE-second slices of a figure (and as many of its ceiling) make `seconds`."""
    return max(1, round(seconds / SLICE))


class Ceiling:
    """The hello-world Flask app under the same gunicorn settings, kept running (idle between its slices) beside
    the measured server, while in its `with` block."""

    def __init__(self, log_dir: Path):
        self.log = log_dir / "hello.log"

    def __enter__(self) -> "Ceiling":
        self.server, self.port = start_gunicorn({"PYTHONPATH": str(ROOT)}, app="bench.hello_app:app", ready_path="/",
                                                log=self.log)
        wrk(self.port, "/", 1)
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    def paired(self, measure: Callable[[int], float], seconds: float) -> tuple[float, float]:
        """(the figure, the ceiling): means of `seconds` of each, in slices of SLICE seconds that alternate, each
        pair a slice of the ceiling and one of `measure(slice_seconds)` (a rate)."""
        rounds = slices(seconds)
        figure = ceiling = 0.0
        for _ in range(rounds):
            ceiling += wrk(self.port, "/", SLICE)
            figure += measure(SLICE)
        return figure / rounds, ceiling / rounds


def run_backend(name: str, url: str, instance: Path, seconds: float, log_dir: Path) -> dict:
    """Every figure of one database, each with the ceiling measured beside it (results[key], ceilings[key])."""
    print(f"\n== {name}: preparing data (200 and 20,000 published comments) ...", flush=True)
    slugs = prepare_database(url, instance)
    results: dict = {"backend": name, "ceilings": {}, "slices": slices(seconds)}
    with Ceiling(log_dir) as ceiling:

        def figure(key: str, measure: Callable[[int], float]) -> None:
            results[key], results["ceilings"][key] = ceiling.paired(measure, seconds)

        def page(key: str, port: int, path: str, headers: dict | None = None) -> None:
            figure(key, lambda slice_seconds: wrk(port, path, slice_seconds, headers))

        warm_env = app_env(url, instance, "bench-secret")
        cold_env = {**warm_env, "CACHE_TYPE": "NullCache"}
        page_200, page_20k = f"/articles/{slugs['c200']}", f"/articles/{slugs['c20k']}"
        last_20k = f"{page_20k}?page={20_000 // 50}"
        last_20k_keyset = f"{page_20k}?after={thread_cursor(url, slugs['c20k'], 20_000 - 50 - 1)}"

        server, port = start_gunicorn(warm_env, log=log_dir / f"{name}-warm.log")
        try:
            for path in (page_200, page_20k):
                wrk(port, path, 1)  # fill the cache
            page("warm_200", port, page_200)
            page("warm_200_returning", port, page_200, {"Cookie": returning_reader_cookie(port, page_200)})
            page("warm_200_shared", port, page_200, {"X-Shared-Cache": "1"})
            page("warm_20k", port, page_20k)
            acknowledged: set[int] = set()

            def submit(slice_seconds: int) -> float:
                rate, ids = submissions(port, slugs["submit"], slice_seconds)
                acknowledged.update(ids)
                return rate

            figure("submit_per_s", submit)
            stored, distinct, found = count_stored(url, slugs["submit"], acknowledged)
            results["submit_acknowledged"], results["submit_stored"], results["submit_distinct_keys"] = (
                len(acknowledged), stored, distinct)
            results["submit_acknowledged_stored"] = found
            results["worker_rss_kib"] = [rss_kib(pid) for pid in worker_pids(server.pid)]
        finally:
            server.stop()

        server, port = start_gunicorn(cold_env, log=log_dir / f"{name}-cold.log")
        try:
            wrk(port, page_200, 1)
            page("cold_200", port, page_200)
            page("cold_20k", port, page_20k)
            page("cold_20k_last_page", port, last_20k)
            page("cold_20k_last_keyset", port, last_20k_keyset)
            results["cold_worker_rss_kib"] = [rss_kib(pid) for pid in worker_pids(server.pid)]
        finally:
            server.stop()

        # For the record: the same cold page when no rendered block is kept either (every block rendered).
        server, port = start_gunicorn({**cold_env, "KEPT_BLOCKS": "0"}, log=log_dir / f"{name}-cold-bare.log")
        try:
            wrk(port, page_200, 1)
            page("cold_200_bare", port, page_200)
        finally:
            server.stop()
    return results


def report(results: dict) -> None:
    ceilings = results["ceilings"]
    share = lambda key: results[key] / ceilings[key]  # noqa: E731
    print(f"\n-- {results['backend']} (ceiling: hello world {min(ceilings.values()):,.0f}-{max(ceilings.values()):,.0f} "
          f"req/s over the run; each share below is of the ceiling measured in the slices alternating with its own)")

    def line(label: str, key: str, note: str = "", unit: str = "req/s") -> None:
        print(f"   {label:47s} {results[key]:6,.0f} {unit:10s} {share(key):6.1%} of {ceilings[key]:5,.0f}{note}")

    line("article, 200 comments, warm cache, first visit", "warm_200", f"  (target >= {TARGETS['warm']:.0%})")
    line("same, returning reader (session cookie)", "warm_200_returning")
    line("same, shared page (behind nginx, no token)", "warm_200_shared")
    line("article, 200 comments, cold (renders)", "cold_200",
         f"  (target >= {TARGETS['cold']:.0%}; page cache off, rendered blocks kept)")
    line("same, nothing kept (KEPT_BLOCKS=0)", "cold_200_bare")
    # Time per page as a multiple of the 200-comment page's, each against its own ceiling.
    times = lambda key, base: share(base) / share(key)  # noqa: E731
    print(f"   20,000 vs 200 comments, cold: time x{times('cold_20k', 'cold_200'):.2f} (target <= "
          f"{TARGETS['20k_over_200']}); warm: x{times('warm_20k', 'warm_200'):.2f}")
    print(f"   last page of the 20,000, cold: by keyset (the 'more comments' link) "
          f"x{times('cold_20k_last_keyset', 'cold_200'):.2f}, numbered (?page=400, offset 19,950) "
          f"x{times('cold_20k_last_page', 'cold_200'):.2f}")
    target = f"  (target >= {TARGETS['submit_sqlite']:.0f}/s)" if results["backend"] == "sqlite" else ""
    line("comment submission through the form", "submit_per_s", target, unit="comments/s")
    acknowledged, stored = results["submit_acknowledged"], results["submit_stored"]
    ok = (results["submit_acknowledged_stored"] == acknowledged and results["submit_distinct_keys"] == stored
          and acknowledged <= stored <= acknowledged + CONNECTIONS * results["slices"])
    print(f"   acknowledged {acknowledged}, of them stored {results['submit_acknowledged_stored']}; rows {stored} "
          f"({stored - acknowledged} answered after a slice's load stopped), distinct keys "
          f"{results['submit_distinct_keys']}: {'each stored once' if ok else 'MISMATCH'}")
    print(f"   worker RSS after the run: warm {', '.join(f'{k / 1024:.0f} MiB' for k in results['worker_rss_kib'])}; "
          f"cold {', '.join(f'{k / 1024:.0f} MiB' for k in results['cold_worker_rss_kib'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="a PostgreSQL database the benchmark may empty (default: $BENCH_DATABASE_URL; none: skip)")
    args = parser.parse_args()
    tool = "wrk -t2 -c8" if shutil.which("wrk") else "Python load generator, 8 clients (wrk not installed)"
    print(f"load: {tool}, {args.seconds:.0f}s per figure and as long on its ceiling, in {SLICE}s slices that alternate; "
          "servers: gunicorn -c deploy/gunicorn.conf.py, 2 sync workers")
    workdir = Path(tempfile.mkdtemp(prefix="majlis-bench-"))
    log_dir = ROOT / "bench" / "results"
    log_dir.mkdir(parents=True, exist_ok=True)
    backends = [("sqlite", "sqlite:///" + str(workdir / "bench.sqlite3"), workdir / "sqlite")]
    if args.postgres:
        backends.append(("postgresql", args.postgres, workdir / "postgresql"))
    else:
        print("PostgreSQL: skipped (give --postgres URL or BENCH_DATABASE_URL)")
    all_results = []
    for name, url, instance in backends:
        instance.mkdir(parents=True, exist_ok=True)
        results = run_backend(name, url, instance, args.seconds, log_dir)
        report(results)
        all_results.append(results)
    out = log_dir / f"http-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(all_results, indent=2))
    print(f"\nresults: {out.relative_to(ROOT)}")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
