"""Case numbers like ``20261121-0042``: the grammar, defined once, and the per-day sequence.

One atomic upsert per number, so any number of web processes hand out distinct numbers.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models import CaseNumberCounter

# Local date (8 digits), a hyphen, a per-day sequence of at least 4 digits. Compose it into other patterns.
PATTERN = r"\d{8}-\d{4,}"
CASE_NUMBER = re.compile(PATTERN)


def is_case_number(text: str) -> bool:
    return CASE_NUMBER.fullmatch(text) is not None


def next_case_number(session: Session, day: date) -> str:
    table = CaseNumberCounter.__table__
    assert isinstance(table, Table), "a mapped class's __table__ is a Table"
    dialect = session.get_bind().dialect.name
    index_elements, set_ = [table.c.day], {"last": table.c.last + 1}
    upsert: Insert
    if dialect == "postgresql":
        upsert = postgresql.insert(table).values(day=day, last=1).on_conflict_do_update(
            index_elements=index_elements, set_=set_)
    elif dialect == "sqlite":
        upsert = sqlite.insert(table).values(day=day, last=1).on_conflict_do_update(
            index_elements=index_elements, set_=set_)
    else:
        raise KeyError(dialect)  # only these two dialects have an atomic upsert here
    sequence = session.execute(upsert.returning(table.c.last)).scalar_one()
    return f"{day:%Y%m%d}-{sequence:04d}"
