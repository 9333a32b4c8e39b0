"""The production install, as an operator does it: ``make check-install``.

Builds the wheel from a copy of the working tree, installs it into a fresh virtualenv in a temporary
directory (dependencies from the normal index, through pip's cache), and from another temporary directory
runs ``citybot init-db`` twice against a scratch PostgreSQL database (named after TEST_DATABASE_URL's
database + ``_wheel``), then serves the installed package's app with gunicorn until ``/healthz`` answers.
Everything is stopped and removed at the end, whatever happens. Without PostgreSQL or Redis it says so
and skips, like the test suite.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
HEALTH_SECONDS = 30
# Production, as the README has the operator export it; placeholder secrets (nothing is sent to WeChat).
OPERATOR_SECRETS = {
    "CITYBOT_PROFILE": "production",
    "SECRET_KEY": "check-install-secret",
    "WECHAT_TOKEN": "checkinstall",
    "WECHAT_APPID": "wx0000000000install",
    "WECHAT_SECRET": "check-install-wechat-secret",
    "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "WEWORK_CORP_ID": "ww0000000000install",
    "WEWORK_SECRET": "check-install-wework-secret",
    "WEWORK_AGENT_ID": "1000002",
    "WEWORK_TOKEN": "checkinstall",
    "WEWORK_AES_KEY": "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut",
    "CONTACT_ENCRYPTION_KEY": "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=",
}


class CheckFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"check-install: {message}", flush=True)


def run(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command; on failure show what it printed and stop the check."""
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CheckFailed(f"{' '.join(args)} exited with {result.returncode}\n{result.stdout}{result.stderr}")
    return result.stdout


def unreachable() -> str | None:
    try:
        psycopg.connect(PG_URL, connect_timeout=2).close()
    except psycopg.Error:
        return f"PostgreSQL not reachable at {PG_URL}"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return f"Redis not reachable at {REDIS_URL}"
    return None


@contextmanager
def scratch_database() -> Iterator[str]:
    """A fresh, empty database next to the test database, dropped afterwards."""
    base, name = PG_URL.rsplit("/", 1)
    scratch = sql.Identifier(f"{name}_wheel")
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(scratch)
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(scratch))
    try:
        yield f"{base}/{name}_wheel"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(drop)


def source_files() -> list[str]:
    """The working tree as git sees it (tracked and new files, nothing ignored)."""
    listing = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    return [name for name in listing.split("\0") if name and (ROOT / name).is_file()]


def build_wheel(files: list[str], work: Path) -> Path:
    """Build from a copy, so stale build/ folders in the checkout can neither hide nor add files."""
    source = work / "source"
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(work / "dist"), str(source)])
    (wheel,) = (work / "dist").glob("citybot-*.whl")
    return wheel


def check_installed_files(files: list[str], python: Path, cwd: Path, env: dict[str, str]) -> None:
    """Every file of the packages is installed, imports come from the virtualenv, and the default
    instance folder is the current directory's."""
    probe = "import bot, bot.config as c; print(bot.__file__); print(c.Settings.from_env().instance_dir)"
    package_file, instance_dir = run([str(python), "-c", probe], cwd=cwd, env=env).split()
    site = Path(package_file).parent.parent
    if not site.is_relative_to(python.parent.parent):
        raise CheckFailed(f"bot was imported from {site}, not from the fresh virtualenv")
    if Path(instance_dir) != cwd / "instance":
        raise CheckFailed(f"the default instance folder is {instance_dir}, not {cwd / 'instance'}")
    missing = [name for name in files if name.startswith(("bot/", "worker/")) and not (site / name).is_file()]
    if missing:
        raise CheckFailed("not in the wheel:\n  " + "\n  ".join(missing))


def describe_schema(url: str) -> str:
    with psycopg.connect(url) as connection:
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = connection.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    if revision is None or tables is None:
        raise CheckFailed("init-db left no schema revision")
    return f"revision {revision[0]}, {tables[0]} tables"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_health(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + HEALTH_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CheckFailed(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body = json.loads(response.read())
                if isinstance(body, dict) and body.get("status") == "ok":
                    return
                last = f"200 with {body!r}"
        except urllib.error.HTTPError as error:
            last = f"{error.code} {error.read()[:200]!r}"
        except (OSError, ValueError) as error:
            last = repr(error)
        time.sleep(0.5)
    raise CheckFailed(f"{url} not healthy after {HEALTH_SECONDS} s (last: {last})")


@contextmanager
def serving(venv: Path, cwd: Path, env: dict[str, str], log: Path) -> Iterator[str]:
    """gunicorn with the installed package's app and settings; the whole process group is stopped after."""
    port = free_port()
    args = [str(venv / "bin" / "gunicorn"), "-c", "python:bot.gunicorn_conf", "--workers", "1",
            "--bind", f"127.0.0.1:{port}", "bot.wsgi:app"]
    with log.open("wb") as output:
        server = subprocess.Popen(args, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        wait_for_health(f"http://127.0.0.1:{port}/healthz", server)
        yield f"http://127.0.0.1:{port}"
    except CheckFailed as failure:
        raise CheckFailed(f"{failure}\n--- gunicorn's log ---\n{log.read_text(errors='replace')[-4000:]}") from None
    finally:
        stop(server)


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGINT (gunicorn's quick shutdown) to the master and its workers, then SIGKILL to whatever is left."""
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGINT)
    with suppress(subprocess.TimeoutExpired):
        server.wait(timeout=15)
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()


def check(work: Path) -> None:
    started = time.monotonic()
    files = source_files()
    say("building the wheel")
    wheel = build_wheel(files, work)
    say(f"installing {wheel.name} into a fresh virtualenv")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    pip_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        env=pip_env)
    operator = work / "operator"  # the operator's current directory: no checkout in sight
    operator.mkdir()
    with scratch_database() as database_url:
        env = {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": str(work), "LANG": "C.UTF-8",
               "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, **OPERATOR_SECRETS}
        check_installed_files(files, venv / "bin" / "python", operator, env)
        for attempt in ("creates the schema", "again (idempotent)"):
            output = run(["citybot", "init-db"], cwd=operator, env=env)
            say(f"citybot init-db {attempt}: {output.strip()}; {describe_schema(database_url)}")
        with serving(venv, operator, env, work / "gunicorn.log") as base:
            say(f"gunicorn bot.wsgi:app: {base}/healthz is healthy")
    say(f"passed in {time.monotonic() - started:.0f} s")


def main() -> int:
    reason = unreachable()
    if reason:
        say(f"{reason}: skipped")
        return 0
    work = Path(tempfile.mkdtemp(prefix="citybot-install-"))
    try:
        check(work)
    except CheckFailed as failure:
        say(f"FAILED: {failure}")
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
