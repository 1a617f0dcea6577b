"""gunicorn settings for Majlis: `gunicorn -c deploy/gunicorn.conf.py app:app`.

Sync workers (one request at a time each, the database does the waiting), two per core. Each worker
opens its own database pool (no preload), so a restart of PostgreSQL only costs the failed requests.
"""
import os

wsgi_app = "app:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 2
backlog = 2048
# Recycle workers now and then so a slow leak never grows without bound: about every half hour at a
# steady 100 requests/s, and never within minutes under a burst (a restart reloads the screening engine).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "200000"))
max_requests_jitter = max_requests // 10
preload_app = False
# Only the local nginx may tell us who the client is (see TRUSTED_PROXIES for the app side).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")


def post_worker_init(worker):
    """Before the worker serves anything: load the screening engine (term lists, learned model), then move
    every long-lived object (modules, routes, templates, the model's caches) out of the cyclic garbage
    collector's sight, so that its collections walk only what requests create. Measured: about a tenth of
    an uncached article page's time, and a fifth of the screening's, went to collections over those objects."""
    import gc

    app = worker.wsgi
    try:
        from blog.services.screening import get_screener

        with app.app_context():
            get_screener()
    except Exception as error:  # a database not reachable yet: the first comment loads it instead
        worker.log.warning("screening engine not loaded at start: %s", error)
    gc.collect()
    gc.freeze()
