"""The decisions on a broadcast: compose (a draft), submit (schedule, or ask for approval), approve, cancel,
preview. Each takes the acting person; the console, the CLI and tests call the same functions.

* A send to all followers waits for a second person (another dispatcher or an admin), as WeChat's own
  API mass-send protection does.
* When most followers already had their 4 mass messages this month, sending to everyone must be confirmed.
* Nothing here calls WeChat: the preview and the send are jobs registered for after the commit.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.broadcasts import audience as audiences
from bot.broadcasts.audience import Audience, AudienceSize
from bot.broadcasts.errors import BadContent, BroadcastNotFound, NeedsConfirmation, NotAnApprover, SelfApproval, WrongState
from bot.core.after_commit import after_commit
from bot.dispatch.actor import Actor
from bot.dispatch.deps import Deps
from bot.models import Broadcast, ConsoleUser
from bot.models.account import Role
from bot.models.broadcast import AudienceKind, BroadcastState

TITLE_MAX = 64  # characters, one line
MESSAGE_MAX_BYTES = 2048  # a mass text message's content (UTF-8): title, text and the notice's link
IMAGE_MAX_BYTES = 10 * 1024 * 1024  # WeChat's permanent image material
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
               ".bmp": "image/bmp"}
CANCELLABLE = frozenset({BroadcastState.DRAFT, BroadcastState.AWAITING_APPROVAL, BroadcastState.SCHEDULED})
APPROVERS = frozenset({Role.ADMIN, Role.DISPATCHER})


@dataclass(frozen=True)
class Draft:
    title: str
    text: str
    audience: Audience
    send_at: datetime | None = None  # None: as soon as it may go
    image: Path | None = None  # a file to attach (copied under MEDIA_DIR)


def notice_url(deps: Deps, broadcast_id: int) -> str:
    return f"{deps.settings.public_base_url}/public/notices/{broadcast_id}"


def message_text(deps: Deps, broadcast: Broadcast) -> str:
    """What followers read: the title, the text and the link to the notice's own page."""
    return f"【{broadcast.title}】\n{broadcast.text}\n\n{notice_url(deps, broadcast.id)}"


def check_content(deps: Deps, title: str, text: str) -> tuple[str, str]:
    """Stripped title and text, within WeChat's limits (the link's length counted with a 10-digit id)."""
    title, text = title.strip(), text.strip().replace("\r\n", "\n")
    if not title or "\n" in title or len(title) > TITLE_MAX:
        raise BadContent("title", f"one line of 1 to {TITLE_MAX} characters")
    if not text:
        raise BadContent("text", "empty")
    longest = f"【{title}】\n{text}\n\n{notice_url(deps, 10**9)}"
    if len(longest.encode()) > MESSAGE_MAX_BYTES:
        over = len(longest.encode()) - MESSAGE_MAX_BYTES
        raise BadContent("text", f"{over} bytes over WeChat's {MESSAGE_MAX_BYTES} (about {over // 3 + 1} characters)")
    return title, text


def _keep_image(deps: Deps, source: Path) -> str:
    """Copy the image under MEDIA_DIR/notices (named by its sha256); its relative path."""
    suffix = source.suffix.lower()
    if suffix not in IMAGE_TYPES:
        raise BadContent("image", f"one of {', '.join(IMAGE_TYPES)}")
    if not source.is_file() or source.stat().st_size > IMAGE_MAX_BYTES:
        raise BadContent("image", f"a readable file of at most {IMAGE_MAX_BYTES // 1024 // 1024} MB")
    digest = sha256(source.read_bytes()).hexdigest()
    relative = f"notices/{digest}{suffix}"
    target = deps.settings.media_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        shutil.copyfile(source, target)
    return relative


def compose(session: Session, deps: Deps, actor: Actor, draft: Draft) -> Broadcast:
    """A new broadcast in ``draft``: its content checked, its image kept."""
    title, text = check_content(deps, draft.title, draft.text)
    broadcast = Broadcast(title=title, text=text, audience=draft.audience.kind, area=draft.audience.area,
                          days=draft.audience.days, send_at=draft.send_at, state=BroadcastState.DRAFT,
                          image_path=_keep_image(deps, draft.image) if draft.image else None,
                          created_by=actor.id or "", created_by_name=actor.name or actor.id or "",
                          created_at=deps.now())
    session.add(broadcast)
    session.flush()
    return broadcast


def audience_of(broadcast: Broadcast) -> Audience:
    return Audience(AudienceKind(broadcast.audience), broadcast.area, broadcast.days)


def size_of(session: Session, deps: Deps, audience: Audience) -> AudienceSize:
    return audiences.size(session, audience, deps.now(), ZoneInfo(deps.settings.timezone),
                          deps.settings.broadcast_monthly_limit)


def get(session: Session, broadcast_id: int, *, lock: bool = False) -> Broadcast:
    query = select(Broadcast).where(Broadcast.id == broadcast_id)
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise BroadcastNotFound(broadcast_id)
    return found


def submit(session: Session, deps: Deps, actor: Actor, broadcast: Broadcast, *, confirm_over_limit: bool = False,
           send_at: datetime | None = None) -> Broadcast:
    """draft → scheduled, or → awaiting_approval for a send to all followers (with the limit confirmed)."""
    if broadcast.state != BroadcastState.DRAFT:
        raise WrongState(broadcast.id, broadcast.state, "submit")
    if send_at is not None:
        broadcast.send_at = send_at
    if broadcast.audience == AudienceKind.ALL:
        counted = size_of(session, deps, audience_of(broadcast))
        if counted.mostly_over and not confirm_over_limit:
            raise NeedsConfirmation(counted.total, counted.over_limit)
        broadcast.confirmed_over_limit = confirm_over_limit
        broadcast.state = BroadcastState.AWAITING_APPROVAL
        return broadcast
    _schedule(session, deps, broadcast)
    return broadcast


def approver(session: Session, username: str) -> Actor:
    """The console user approving by name (the CLI's ``--by``): an active dispatcher or admin."""
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.username == username.strip().lower()))
    if user is None or not user.active or user.role not in APPROVERS:
        raise NotAnApprover(f"{username} is not an active dispatcher or admin")
    return Actor.dispatcher(user.username, user.display_name)


def approve(session: Session, deps: Deps, actor: Actor, broadcast: Broadcast) -> Broadcast:
    """awaiting_approval → scheduled, by someone other than its author."""
    if broadcast.state != BroadcastState.AWAITING_APPROVAL:
        raise WrongState(broadcast.id, broadcast.state, "approve")
    if actor.id == broadcast.created_by:
        raise SelfApproval(f"broadcast {broadcast.id} was composed by {actor.id}: another person must approve it")
    broadcast.approved_by, broadcast.approved_by_name, broadcast.approved_at = actor.id, actor.name, deps.now()
    _schedule(session, deps, broadcast)
    return broadcast


def cancel(session: Session, deps: Deps, actor: Actor, broadcast: Broadcast) -> Broadcast:
    """A draft, or one waiting for approval or its time, is withdrawn (kept, marked cancelled)."""
    if broadcast.state not in CANCELLABLE:
        raise WrongState(broadcast.id, broadcast.state, "cancel")
    broadcast.state = BroadcastState.CANCELLED
    broadcast.cancelled_by = actor.name or actor.id
    broadcast.finished_at = deps.now()
    return broadcast


def request_preview(session: Session, broadcast: Broadcast, openid: str) -> None:
    """``message/mass/preview`` to a staff member's openid, sent by a job after the commit."""
    openid = openid.strip()
    if not openid or len(openid) > 64 or not openid.replace("-", "").replace("_", "").isalnum():
        raise BadContent("openid", "a WeChat openid")
    if broadcast.state not in CANCELLABLE:
        raise WrongState(broadcast.id, broadcast.state, "preview")
    after_commit(session, "preview_broadcast", broadcast.id, openid)


def _schedule(session: Session, deps: Deps, broadcast: Broadcast) -> None:
    broadcast.state = BroadcastState.SCHEDULED
    if broadcast.send_at is None or broadcast.send_at <= deps.now():
        broadcast.send_at = deps.now()
        after_commit(session, "start_broadcast", broadcast.id)  # later ones: the periodic start_due_broadcasts
