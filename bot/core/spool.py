"""Where an inbound message waits when the database cannot take it: durable without the database.

The webhook keeps the decrypted message in a Redis stream (``citybot:spool``), or, when Redis is away too,
appends it as one JSON line to a file under the instance folder (``spool/inbound.jsonl``, flushed to disk
before WeChat is answered). The worker replays both, oldest first, once the database is back
(``worker.jobs.recover_inbound``); the message's unique dedupe key makes a replay run at most once even if
WeChat's retries were spooled too, or a replay is interrupted and started again.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

log = logging.getLogger(__name__)

STREAM = "citybot:spool"
FILE = "inbound.jsonl"
REPLAYING = "inbound.replaying.jsonl"  # a file being replayed: new messages go to a fresh FILE meanwhile


@dataclass(frozen=True)
class Spooled:
    """One kept message: its channel, its plain XML, and when it arrived (epoch seconds)."""

    channel: str
    xml: str
    at: float
    ref: str  # the stream entry id, or "file:<line>"


class Spool:
    def __init__(self, connection: redis.Redis | None, directory: Path) -> None:
        self.connection = connection
        self.directory = directory

    def keep(self, channel: str, xml: str, at: float) -> str:
        """Keep one message; returns where ("redis" or "file"). Raises only if neither can take it."""
        if self.connection is not None:
            try:
                self.connection.xadd(STREAM, {"channel": channel, "xml": xml, "at": repr(at)})
                return "redis"
            except redis.RedisError:
                log.warning("spool: Redis unavailable, keeping the message on disk", exc_info=True)
        line = json.dumps({"channel": channel, "xml": xml, "at": at}, ensure_ascii=False) + "\n"
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._locked(), open(self.directory / FILE, "a", encoding="utf-8") as file:
            file.write(line)
            file.flush()
            os.fsync(file.fileno())
        return "file"

    def pending(self) -> list[Spooled]:
        """Everything kept, oldest first (the file and the stream merged by arrival time)."""
        items = list(self._from_file())
        if self.connection is not None:
            entries: list[tuple[bytes, dict[bytes, bytes]]] = self.connection.xrange(STREAM)  # type: ignore[assignment]
            for ref, fields in entries:
                values = {k.decode(): v.decode() for k, v in fields.items()}
                items.append(Spooled(values["channel"], values["xml"], float(values["at"]), ref.decode()))
        return sorted(items, key=lambda item: item.at)

    def done(self, item: Spooled) -> None:
        """``item`` was replayed (or found already recorded): forget it."""
        if item.ref.startswith("file:"):
            return  # the replayed file goes as a whole (``finish_file``), after its last line
        assert self.connection is not None
        self.connection.xdel(STREAM, item.ref)

    def finish_file(self) -> None:
        """Every line of the file being replayed was handled."""
        (self.directory / REPLAYING).unlink(missing_ok=True)

    def _from_file(self) -> Iterator[Spooled]:
        """Lines of the file being replayed; the current file is moved aside first (unless a replay was
        interrupted: then its file is finished first and the new lines wait for the next run)."""
        replaying = self.directory / REPLAYING
        with self._locked():
            if not replaying.exists() and (self.directory / FILE).exists():
                os.replace(self.directory / FILE, replaying)
        if not replaying.exists():
            return
        with open(replaying, encoding="utf-8") as file:
            for number, line in enumerate(file):
                try:
                    values = json.loads(line)
                except ValueError:  # a line cut short by a crash while it was written: nothing was promised
                    log.warning("spool: unreadable line %s skipped", number)
                    continue
                yield Spooled(values["channel"], values["xml"], float(values["at"]), f"file:{number}")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer or mover at a time across the web processes and the worker on this host."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
