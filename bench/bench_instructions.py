"""Instructions per request (valgrind's callgrind), as multiples of a hello-world Flask request.

    .venv/bin/python bench/bench_instructions.py [--requests 30] [--postgres postgresql://...]

This machine is shared and its speed drifts by half within an hour; the number of instructions a request runs
does not (the same code, data and inputs give the same count within a few tenths of a percent). Each case
runs in its own process under callgrind with instrumentation off until the app is loaded and warmed up
(`--instr-atstart=no`, then `callgrind_control -i on/off` around the measured requests), each request a WSGI
call as in bench_render.py. Cases: the hello-world app; the article page (200 published comments, 50 shown)
from the page cache; uncached (every request reads its rows and renders, rendered blocks kept), on SQLite
and, given a database it may empty, on PostgreSQL; a comment submitted through the form on SQLite (a reader's
POST with its session, CSRF token and a new form token: screening and storage). Instructions are not time
(cache misses, the database server's own work and the kernel are not in them; C code such as hashing and
compression runs valgrind's plainer instruction paths, so it weighs more here than in time): use it to compare
two versions of the code, and bench_http.py for the targets.
"""
from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measured(case: str, url: str, requests: int, signals: Path) -> None:
    """In the process under valgrind: load, warm up, then run `requests` requests between two signals."""
    from bench.bench_render import caller

    if case == "hello world":
        from bench.hello_app import app

        call = caller(app, "/")
    elif case.startswith("comment submission"):
        from blog import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "COMMENT_MIN_FILL_SECONDS": 0})
        call = poster(app, "bench-submit")
    else:
        from blog import create_app
        from blog.extensions import IN_PROCESS_CACHE

        cache = IN_PROCESS_CACHE if case == "page cache hit" else "NullCache"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "CACHE_TYPE": cache})
        call = caller(app, "/articles/bench-c200")
    for _ in range(30):
        call()
    gc.collect()
    gc.freeze()  # as deploy/gunicorn.conf.py does once a worker has loaded the app
    _signal_and_wait(signals, "ready", "go")
    for _ in range(requests):
        call()
    _signal_and_wait(signals, "done", "end")


def poster(app, slug: str):
    """A reader's POST of a new comment through the form (CSRF token, form token, screening, storage), straight
    through the WSGI callable, as bench_http.py's clients send them: their session from a first visit."""
    import re
    import secrets
    from urllib.parse import urlencode

    from bench.bench_render import wsgi_call

    client = app.test_client()
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    name = app.session_interface.get_cookie_name(app)
    cookie = f"{name}={client.get_cookie(name).value}"
    sent = [0]

    def call() -> None:
        sent[0] += 1
        body = urlencode({"author_name": "قارئ", "author_email": "reader@example.org", "csrf_token": csrf,
                          "body": f"تعليق للقياس {sent[0]}: شكرا على هذا المقال المفيد.",
                          "form_token": secrets.token_urlsafe(18)}).encode()
        wsgi_call(app, f"/articles/{slug}/comments", expect="303", method="POST", body=body, HTTP_COOKIE=cookie,
                  CONTENT_TYPE="application/x-www-form-urlencoded", CONTENT_LENGTH=str(len(body)))

    return call


def _signal_and_wait(signals: Path, mine: str, theirs: str) -> None:
    (signals / mine).touch()
    while not (signals / theirs).exists():
        time.sleep(0.01)


def count(case: str, url: str, requests: int) -> int:
    """Instructions of `requests` requests of one case, in a fresh process under callgrind."""
    with tempfile.TemporaryDirectory(prefix="majlis-ir-") as folder:
        signals, out = Path(folder), Path(folder) / "callgrind.out"
        proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
             sys.executable, __file__, "--measure", case, "--url", url, "--requests", str(requests),
             "--signals", folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        try:
            _wait_for(signals / "ready", proc)
            subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True, capture_output=True)
            (signals / "go").touch()
            _wait_for(signals / "done", proc)
            subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], check=True, capture_output=True)
            (signals / "end").touch()
            _, errors = proc.communicate(timeout=600)
        finally:
            if proc.poll() is None:
                proc.kill()
        if proc.returncode != 0:
            raise RuntimeError(f"{case}: exit {proc.returncode}\n{errors[-2000:]}")
        return int(re.search(r"^totals: (\d+)", out.read_text(), re.M).group(1))


def _wait_for(path: Path, proc: subprocess.Popen) -> None:
    while not path.exists():
        if proc.poll() is not None:
            raise RuntimeError(f"the measured process ended early: {proc.stderr.read()[-2000:]}")
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="a PostgreSQL database the benchmark may empty (default: $BENCH_DATABASE_URL; none: skip)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--signals", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measured(args.measure, args.url, args.requests, Path(args.signals))
        return 0
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install -y valgrind)")
        return 1
    from bench.bench_http import prepare_database

    workdir = Path(tempfile.mkdtemp(prefix="majlis-ir-data-"))
    sqlite_url = "sqlite:///" + str(workdir / "bench.sqlite3")
    prepare_database(sqlite_url, workdir)
    cases = [("hello world", ""), ("page cache hit", sqlite_url), ("uncached, SQLite", sqlite_url),
             ("comment submission, SQLite", sqlite_url)]
    if args.postgres:
        prepare_database(args.postgres, workdir)
        cases.append(("uncached, PostgreSQL", args.postgres))
    print(f"instructions per request, {args.requests} requests per case after 30 to warm up (callgrind):")
    hello = None
    for name, url in cases:
        per_request = count(name, url, args.requests) / args.requests
        hello = hello or per_request
        print(f"   {name:27s} {per_request / 1e6:8.2f} M   x{per_request / hello:5.1f} hello world", flush=True)
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
