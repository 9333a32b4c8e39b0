"""Loading the directory of units and staff (``citybot load-directory FILE.yaml``), all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml
from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from bot.models import Staff, Unit

KINDS = ("squad", "department")
ROLES = ("member", "leader", "bureau")  # bureau: the bureau's leaders (局领导), who receive the reports


class DirectoryError(ValueError):
    pass


@dataclass(frozen=True)
class DirectoryReport:
    units: int
    staff: int
    deactivated: int


def read_directory(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DirectoryError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("units"), list):
        raise DirectoryError("expected a mapping with a 'units' list (and a 'staff' list)")
    codes = set()
    for i, unit in enumerate(data["units"]):
        if not isinstance(unit, dict) or not unit.get("code") or not unit.get("name"):
            raise DirectoryError(f"units[{i}]: needs code and name")
        if unit.get("kind") not in KINDS:
            raise DirectoryError(f"units[{i}] ({unit['code']}): kind must be squad or department")
        party = unit.get("wework_party_id")
        if party is not None and not str(party).isdigit():
            raise DirectoryError(f"units[{i}] ({unit['code']}): wework_party_id must be a number as a string")
        codes.add(str(unit["code"]))
    for i, person in enumerate(data.get("staff") or []):
        if not isinstance(person, dict) or not person.get("wework_userid") or not person.get("name"):
            raise DirectoryError(f"staff[{i}]: needs wework_userid and name")
        if str(person.get("unit")) not in codes:
            raise DirectoryError(f"staff[{i}] ({person['wework_userid']}): unknown unit {person.get('unit')!r}")
        if person.get("role", "member") not in ROLES:
            raise DirectoryError(f"staff[{i}] ({person['wework_userid']}): role must be member, leader or bureau")
    return data


def load_directory(session: Session, data: dict[str, Any]) -> DirectoryReport:
    """Upsert units and staff; staff absent from the file are deactivated, never deleted."""
    for unit in data["units"]:
        party = unit.get("wework_party_id")
        session.merge(Unit(code=str(unit["code"]), name=unit["name"], kind=unit["kind"],
                           wework_party_id=str(party) if party is not None else None))
    session.flush()
    listed = []
    for person in data.get("staff") or []:
        listed.append(person["wework_userid"])
        session.merge(Staff(wework_userid=person["wework_userid"], name=person["name"], unit_code=str(person["unit"]),
                            role=person.get("role", "member"), active=True))
    gone = 0
    if listed:
        deactivate = update(Staff).where(Staff.wework_userid.not_in(listed), Staff.active).values(active=False)
        # An UPDATE executes to a CursorResult; Session.execute is typed as returning a plain Result.
        gone = cast(CursorResult[Any], session.execute(deactivate)).rowcount
    session.flush()
    return DirectoryReport(len(data["units"]), len(listed), gone or 0)
