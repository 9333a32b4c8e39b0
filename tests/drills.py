"""What the fault drills (``tests/test_drills.py``, ``make drills``) need: a database connection the test can
cut or freeze, a private Redis it can stop and start, and ``citybot worker`` processes it can kill.

Nothing here touches the machine's shared PostgreSQL or Redis: the database is reached through a TCP proxy
of the test's own (cutting it is the database going away for the app; freezing it is a paused server that
accepts connections and never answers), and Redis is a ``redis-server`` of the test's own on a free port.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], object], timeout: float, step: float = 0.2) -> float:
    """Poll ``condition`` until it is true; the seconds it took (AssertionError after ``timeout``)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(step)
    return time.monotonic() - start


class TcpProxy:
    """127.0.0.1:<port> → ``upstream``, with the database's failures on demand: ``cut`` (every connection
    dropped and new ones closed at once), ``freeze`` (bytes held, nothing answered), ``restore``."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.mode = "up"
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.running = True
        threading.Thread(target=self._accept, daemon=True, name="drill-proxy").start()

    def cut(self) -> None:
        self.mode = "down"
        with self.lock:
            for sock in self.sockets:
                _close(sock)
            self.sockets.clear()

    def freeze(self) -> None:
        self.mode = "frozen"

    def restore(self) -> None:
        self.mode = "up"

    def close(self) -> None:
        self.running = False
        self.cut()
        _close(self.listener)

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "down":
                _close(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self.lock:
                self.sockets.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self.mode == "frozen":
                    time.sleep(0.05)
                if self.mode == "down":
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(target)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class PrivateRedis:
    """A ``redis-server`` of the test's own, persisting every write (appendfsync always) so that a stop and a
    start lose nothing, as a production Redis with AOF would."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server, "redis-server is needed for the drills"
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
             "--appendfsync", "always", "--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        wait_for(lambda: _pings(client), timeout=10, step=0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
        self.process = None


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def worker_environment(settings: object, database_url: str, redis_url: str, fake_url: str) -> dict[str, str]:
    """The environment of a ``citybot worker`` process seeing what the test's app sees."""
    s = settings
    values = {
        "CITYBOT_PROFILE": "embedded", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "WECHAT_TOKEN": s.wechat_token, "WECHAT_AES_KEY": s.wechat_aes_key,  # type: ignore[attr-defined]
        "WECHAT_APPID": s.wechat_appid, "WECHAT_SECRET": s.wechat_secret,  # type: ignore[attr-defined]
        "WEWORK_CORP_ID": s.wework_corp_id, "WEWORK_SECRET": s.wework_secret,  # type: ignore[attr-defined]
        "WEWORK_AGENT_ID": s.wework_agent_id, "WEWORK_TOKEN": s.wework_token,  # type: ignore[attr-defined]
        "WEWORK_AES_KEY": s.wework_aes_key, "SECRET_KEY": s.secret_key,  # type: ignore[attr-defined]
        "WECHAT_API_BASE_URL": fake_url, "WEWORK_API_BASE_URL": fake_url,
        "PUBLIC_BASE_URL": s.public_base_url,  # type: ignore[attr-defined]
        "CITYBOT_INSTANCE_DIR": str(s.instance_dir), "MEDIA_DIR": str(s.media_dir),  # type: ignore[attr-defined]
    }
    return {**os.environ, **values}


class WorkerProcess:
    """``citybot worker`` as operators run it, in its own process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        citybot = Path(sys.executable).parent / "citybot"
        self.process = subprocess.Popen([str(citybot), "worker"], env=env, cwd=ROOT, stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind, as when the machine or the OOM killer takes it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
