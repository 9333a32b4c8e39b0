"""Case numbers like ``20261121-0042``: local date + a per-day sequence kept in the database.

One atomic upsert per number, so any number of web processes hand out distinct numbers.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.models import CaseNumberCounter

INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def next_case_number(session: Session, day: date) -> str:
    insert = INSERTS[session.get_bind().dialect.name]
    table = CaseNumberCounter.__table__
    statement = (
        insert(table)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=[table.c.day], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    sequence = session.execute(statement).scalar_one()
    return f"{day:%Y%m%d}-{sequence:04d}"


def is_case_number(text: str) -> bool:
    return len(text) >= 13 and text[8] == "-" and text[:8].isdigit() and text[9:].isdigit()

