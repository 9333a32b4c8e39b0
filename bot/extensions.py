"""Extensions: classes instantiated and bound to an app by ``init_app`` in ``create_app``.

Importing this module connects to nothing. Each bound object lives on ``app.extensions`` and is
reached through the accessors below, so a second app (tests, the CLI) never shares state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import redis
from flask import Flask, current_app, g
from rq import Queue
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from bot.config import Settings

QUEUE_NAMES = ("high", "default", "low")  # the service's queues, listed once


class Database:
    """An engine and a session factory; one session per app context (request, job, command)."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("Database not bound to an app: call init_app first")
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory (``sessions()`` opens one, ``sessions.begin()`` a transaction)."""
        if self._sessions is None:
            raise RuntimeError("Database not bound to an app: call init_app first")
        return self._sessions

    def init_app(self, app: Flask, settings: Settings) -> None:
        self._engine = engine_for(settings)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        app.extensions["citybot.db"] = self
        # One session per request even when an app context outlives requests (CLI, tests).
        app.teardown_request(self._close_session)
        app.teardown_appcontext(self._close_session)

    @property
    def session(self) -> Session:
        """The session of the current app context, opened on first use."""
        if "db_session" not in g:
            g.db_session = self.sessions()
        return g.db_session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A fresh session committed on success, rolled back on error (jobs and CLI use this)."""
        with self.sessions() as session, session.begin():
            yield session

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def engine_for(settings: Settings) -> Engine:
    """The database engine the settings describe (the app's; a command that needs no app builds its own)."""
    url = settings.database_url
    kwargs: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # No JIT: the statistics' as-of subqueries (run only for cases changed after a period ended) make the
        # planner's cost estimates huge, and JIT-compiling each statement took 0.5–1.8 s for 0.1 s of work
        # (docs/stats-performance.md). Our queries are short; JIT never pays for itself here.
        # Bounded connection attempts, statements and lock waits: a hung database costs a request seconds.
        kwargs["connect_args"] = {
            "connect_timeout": settings.database_connect_timeout,
            "options": f"-c jit=off -c statement_timeout={settings.database_statement_timeout_ms}"
                       f" -c lock_timeout={settings.database_lock_timeout_ms}",
        }
    if url.startswith("sqlite"):
        settings.instance_dir.mkdir(parents=True, exist_ok=True)
        kwargs = {"connect_args": {"timeout": 30, "check_same_thread": False}}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", sqlite_pragmas)
    return engine


def sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class RedisQueues:
    """The Redis connection and the RQ queues built on it."""

    def __init__(self) -> None:
        self.connection: redis.Redis | None = None
        self.queues: dict[str, Queue] = {}

    def init_app(self, app: Flask, url: str) -> None:
        self.connection = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
        self.queues = {name: Queue(name, connection=self.connection) for name in QUEUE_NAMES}
        app.extensions["citybot.redis"] = self


def get_db() -> Database:
    return current_app.extensions["citybot.db"]


def get_redis() -> redis.Redis:
    connection = current_app.extensions["citybot.redis"].connection
    assert connection is not None
    return connection


def get_queues() -> dict[str, Queue]:
    return current_app.extensions["citybot.redis"].queues
