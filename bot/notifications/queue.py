"""Notifications queued as data: a kind, the case, and parameters; put into words when sent.

Every outbound message is an ``OutboundMessage`` row written in the caller's transaction; the job
that delivers it is registered on the session and enqueued after the commit (``bot.core.after_commit``).
The words come from ``bot.notifications.render`` at delivery, so a service never holds a sentence.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.core.after_commit import after_commit
from bot.models import Case, OutboundMessage, Resident, Unit
from bot.notifications.followers import followers

# The WeChat message type each notice becomes (everything else is a text message).
MSGTYPES = {"after_photo": "image", "dispatch_card": "textcard", "reminder_card": "textcard"}


def notify_resident(session: Session, resident: Resident, kind: str, case: Case | None,
                    **params: Any) -> OutboundMessage:
    """A customer-service message (or, outside the 48-hour window, a template or a held push)."""
    return _queue(session, "wechat", resident.openid, kind, case, params)


def notify_followers(session: Session, case: Case, kind: str, *, after_photo: int | None = None,
                     exclude: int | None = None, **params: Any) -> list[OutboundMessage]:
    """Tell everyone following ``case`` (its reporter and merged duplicates' reporters) but the resident
    ``exclude`` (one already told in a reply); ``after_photo`` (a media id) follows the text as an image."""
    rows = []
    for resident in followers(session, case):
        if resident.id == exclude:
            continue
        rows.append(notify_resident(session, resident, kind, case, **params))
        if after_photo is not None:
            rows.append(notify_resident(session, resident, "after_photo", case, media_pk=after_photo))
    return rows


def notify_unit(session: Session, unit: Unit, kind: str, case: Case, **params: Any) -> OutboundMessage | None:
    """A WeChat Work message to the unit's department (``toparty``); None if the unit has none."""
    if not unit.wework_party_id:
        return None
    return _queue(session, "wework", f"party:{unit.wework_party_id}", kind, case, params)


def notify_staff(session: Session, userids: list[str], kind: str, case: Case | None,
                 **params: Any) -> OutboundMessage:
    return _queue(session, "wework", "user:" + "|".join(userids), kind, case, params)


def _queue(session: Session, channel: str, target: str, kind: str, case: Case | None,
           params: dict[str, Any]) -> OutboundMessage:
    row = OutboundMessage(channel=channel, target=target, kind=MSGTYPES.get(kind, "text"),
                          payload={"notice": kind, "params": params}, case_id=case.id if case else None)
    session.add(row)
    session.flush()
    # Squads' cards go on the high-priority queue: a case waits for nobody else's messages.
    after_commit(session, "send_card" if channel == "wework" else "send_outbound", row.id)
    return row
