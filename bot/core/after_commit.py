"""Work after commit, never before: the one way a service says "then run job X".

A service calls ``after_commit(session, "dispatch_case", case.id)`` inside its transaction. The jobs
wait on the session and are enqueued when (and only if) the transaction commits; a rollback drops
them. ``install`` binds the hook to the app's session factory, so the webhooks, the worker's jobs and
the CLI all behave the same. If Redis is unreachable at that moment ``enqueue`` logs it and the rows
the jobs concern stay pending for the worker's sweeper.
"""

from __future__ import annotations

from typing import Any

from rq import Queue
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from bot.jobs import Deferred, enqueue

PENDING = "citybot.after_commit"
MARKS = "citybot.after_commit.savepoints"  # savepoint -> how many jobs were pending when it began


def after_commit(session: Session, job: str, *args: Any) -> None:
    """Enqueue job ``job`` (a name from ``bot.jobs.JOBS``) with ``args`` once ``session`` commits."""
    pending: list[Deferred] = session.info.setdefault(PENDING, [])
    deferred = Deferred(job, args)
    if deferred not in pending:  # the same work registered twice runs once
        pending.append(deferred)


def install(sessions: sessionmaker[Session], queues: dict[str, Queue]) -> None:
    """Enqueue each committed transaction's jobs on ``queues``; forget a rolled-back one's.

    A savepoint (``begin_nested``) that is released keeps its jobs for the outer commit; one that is
    rolled back drops only the jobs registered inside it.
    """

    @event.listens_for(sessions, "after_transaction_create")
    def _mark(session: Session, transaction: SessionTransaction) -> None:
        if transaction.nested:
            session.info.setdefault(MARKS, {})[transaction] = len(session.info.get(PENDING, []))

    @event.listens_for(sessions, "after_commit")
    def _enqueue(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint was released: the outer transaction has not committed yet
        session.info.pop(MARKS, None)
        for job in session.info.pop(PENDING, []):
            enqueue(queues, job.name, *job.args)

    @event.listens_for(sessions, "after_soft_rollback")
    def _forget(session: Session, transaction: SessionTransaction) -> None:
        marks = session.info.get(MARKS, {})
        if transaction.nested and transaction in marks:
            del session.info.get(PENDING, [])[marks.pop(transaction):]
        elif transaction.parent is None:
            session.info.pop(PENDING, None)
            session.info.pop(MARKS, None)
