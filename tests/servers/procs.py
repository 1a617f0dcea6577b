"""Real servers for tests and benchmarks, on loopback ports only: gunicorn, nginx, a TCP proxy, an HTTP client."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_http(port: int, path: str = "/static/css/site.css", seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered on {HOST}:{port}{path} within {seconds}s")


class Process:
    """A child process in its own process group, stopped (and its workers) by `stop()`."""

    def __init__(self, args: list[str], env: dict | None = None, cwd: Path = ROOT, log: Path | None = None):
        self.log = open(log, "wb") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(args, cwd=cwd, env={**os.environ, **(env or {})}, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, seconds: float = 10.0) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(seconds)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self.log is not subprocess.DEVNULL:
            self.log.close()


def app_env(database_url: str, instance: Path, secret: str = "test-secret", redis_url: str | None = None,
            **extra: str) -> dict:
    """The environment of an app process under test."""
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret,
        "MAJLIS_INSTANCE_PATH": str(instance),
        "MODEL_PATH": str(instance / "model"),
        "RATELIMIT_ENABLED": "false",
        "COMMENT_MIN_FILL_SECONDS": "0",  # load generators post at once; the fill-time check is for people
        "TERMS_REFRESH_SECONDS": "3600",
        "REDIS_URL": redis_url or "",
    }
    env.update(extra)
    return env


def start_gunicorn(env: dict, port: int | None = None, workers: int = 2, app: str = "app:app",
                   log: Path | None = None, ready_path: str = "/static/css/site.css") -> tuple[Process, int]:
    """gunicorn with the project's deploy/gunicorn.conf.py on a loopback port, once it answers."""
    port = port or free_port()
    args = [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind", f"{HOST}:{port}", "--workers", str(workers), app]
    process = Process(args, {**env, "PYTHONPATH": str(ROOT)}, log=log)
    try:
        wait_for_http(port, ready_path)
    except RuntimeError:
        process.stop()
        raise
    return process, port


def worker_pids(master_pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def start_nginx(workdir: Path, listen: int, upstreams: list[int]) -> Process:
    """Debian's nginx with deploy/nginx/majlis.conf, rewritten for loopback ports and a private prefix."""
    site = (ROOT / "deploy" / "nginx" / "majlis.conf").read_text()
    site = site.replace("/var/cache/nginx/majlis", str(workdir / "cache"))
    site = re.sub(r"listen 80;", f"listen {HOST}:{listen};", site)
    servers = "".join(f"    server {HOST}:{p} max_fails=2 fail_timeout=5s;\n" for p in upstreams)
    site = re.sub(r"(upstream majlis_app \{\n)(?:    server [^\n]*\n)+", lambda m: m.group(1) + servers, site)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    conf = workdir / "nginx.conf"
    user = "user root root;" if os.geteuid() == 0 else ""  # workers must read the private test folder
    conf.write_text(f"""
{user}
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
{site}
}}
""")
    process = Process([nginx_binary(), "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"])
    try:
        wait_for_http(listen)
    except RuntimeError:
        process.stop()
        raise RuntimeError((workdir / "error.log").read_text()[-2000:]) from None
    return process


class TcpProxy:
    """A TCP relay on a loopback port that can be cut (refusing and dropping connections) and restored."""

    def __init__(self, target_port: int, target_host: str = HOST):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.start()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """Stop listening and drop every open connection: the database is unreachable."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    restore = start


class Browserless:
    """A minimal HTTP client for one reader: keeps cookies, reads forms, never follows redirects."""

    def __init__(self, port: int, timeout: float = 30.0):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        body = urlencode(data).encode() if data is not None else None
        all_headers = {**(headers or {})}
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                text = response.read().decode()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt == 2 or method != "GET":
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val.strip()
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response, text

    def get(self, path: str, headers: dict | None = None):
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: dict, headers: dict | None = None):
        return self.request("POST", path, data=data, headers=headers)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html) or re.search(
        rf'name="{name}" value="([^"]*)"', html)
    return match.group(1) if match else ""
