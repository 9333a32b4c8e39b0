"""Handling units by code (squads come from the area file, departments from the directory)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.models import Unit


def unit_name(session: Session, code: str | None) -> str | None:
    """The unit's display name; a department not yet in the directory is named by its code (环卫处)."""
    if code is None:
        return None
    unit = session.get(Unit, code)
    return unit.name if unit else code
