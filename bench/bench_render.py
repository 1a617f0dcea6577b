"""In-process cost of the article page (200 published comments) as a multiple of a hello-world Flask request.

    .venv/bin/python bench/bench_render.py [--rounds 6]

No server and no network: each app is called as a WSGI callable in this one process, the cases in turn,
round after round, and each figure is the best round's CPU time per request (the machine's speed drifts
over minutes, so the cases are measured interleaved and compared with the hello-world app measured beside
them). Cases: the hello-world app; the article page answered from the page cache (first visit, through the
page front); the uncached page (every request reads its rows and renders, rendered blocks kept); the same with
no block kept (KEPT_BLOCKS=0). Data: a fresh SQLite database in a temporary folder, as bench_http.py loads it.
"""
from __future__ import annotations

import argparse
import gc
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_http import prepare_database  # noqa: E402
from bench.hello_app import app as hello_app  # noqa: E402


def wsgi_call(app, path: str, expect: str = "200", method: str = "GET", body: bytes = b"", **environ) -> None:
    """One request straight through the WSGI callable (`environ` adds or overrides CGI variables); an error
    unless its status starts with `expect`."""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, **environ,
    }
    status = []
    b"".join(app(environ, lambda s, headers, exc_info=None: status.append(s)))
    if not status[0].startswith(expect):
        raise RuntimeError(f"{method} {path}: {status[0]}")


def caller(app, path: str):
    """A GET of `path` from a browser with no cookie, straight through the WSGI callable."""

    def call() -> None:
        wsgi_call(app, path)

    return call


def interleaved_best(cases: dict, rounds: int) -> dict[str, float]:
    """CPU seconds per call of each case (name: (call, calls per round)): the best of `rounds` rounds, the cases
    in turn in each (the machine's speed drifts over minutes, so they are measured interleaved)."""
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(rounds):
        for name, (call, count) in cases.items():
            started = time.process_time()
            for _ in range(count):
                call()
            best[name] = min(best[name], (time.process_time() - started) / count)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="majlis-render-"))
    url = "sqlite:///" + str(workdir / "bench.sqlite3")
    slugs = prepare_database(url, workdir)
    from blog import create_app
    from blog.extensions import IN_PROCESS_CACHE

    base = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False}
    page = f"/articles/{slugs['c200']}"
    cases = {
        "hello world": (caller(hello_app, "/"), 2000),
        "page cache hit": (caller(create_app({**base, "CACHE_TYPE": IN_PROCESS_CACHE}), page), 1000),
        "uncached, kept blocks": (caller(create_app({**base, "CACHE_TYPE": "NullCache"}), page), 200),
        "uncached, nothing kept": (
            caller(create_app({**base, "CACHE_TYPE": "NullCache", "KEPT_BLOCKS": False}), page), 50),
    }
    for call, _ in cases.values():
        for _ in range(50):
            call()
    gc.collect()
    gc.freeze()  # as deploy/gunicorn.conf.py does once a worker has loaded the app
    best = {name: seconds * 1e6 for name, seconds in interleaved_best(cases, args.rounds).items()}
    hello = best["hello world"]
    print(f"in-process CPU per request, best of {args.rounds} interleaved rounds (SQLite, 200 comments, 50 shown):")
    for name, micros in best.items():
        print(f"   {name:24s} {micros:8.0f} µs   x{micros / hello:5.1f} hello world")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
