"""The life of one demo case, told step by step along the real state machine, up to "now".

received → dispatched → accepted → resolved → closed, and the side paths people take: 撤销, 合并 into an
open case, 待分拨 (the dispatcher sets the category, or 不予立案), 退回 and redispatch, 延期 (approved,
refused or still pending), the 75 % reminder and 超期, ratings, 不满意 → 返工 (a second one goes to the
dispatcher), 核查结案 or the automatic close. Every state change is looked up in
``bot.dispatch.states.TRANSITIONS`` (an impossible step is a bug here, not a demo row), and a story stops
at ``now``: the cases of the last days are still open, in the mix the service would have.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from bot.dispatch.calendar import Limit, WorkCalendar
from bot.dispatch.routing import unit_for
from bot.dispatch.states import HANDLING_STATES, TRANSITIONS
from bot.models.enums import ActorKind, TriageReason
from bot.understanding.taxonomy import Category, Taxonomy

Actor = tuple[str, str | None, str]  # kind, id, name (as CaseEvent stores them)
SYSTEM: Actor = (ActorKind.SYSTEM.value, None, "系统")
# What a step freezes for the statistics (CaseEvent.deadline, on_time, work_minutes).
Facts = tuple[datetime | None, bool | None, int | None]
NO_FACTS: Facts = (None, None, None)
DISPATCHERS: tuple[Actor, ...] = tuple((ActorKind.DISPATCHER.value, user, name) for user, name in (
    ("zhangli", "张丽"), ("wangfang", "王芳"), ("chenjie", "陈杰")))  # fictional console users
SECOND, MINUTE, HOUR = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1)

RESOLVE_NOTES = ("已清理", "已劝离", "已责令整改", "已修复", "已处理完毕", "已拆除", "已规范摆放")
INVALID_REASONS = ("不属于城管职责，已告知相关部门", "信息不全，无法核实", "经核实问题不存在")
RETURN_REASONS = ("不属于本单位职责", "位置有误，请重新分拨")
EXTENSION_REASONS = ("需协调产权单位", "材料未到", "天气原因无法施工")
UNHAPPY = ("没修好", "还是老样子", "根本没人来处理")
RATING_WORDS = {1: "满意", 2: "基本满意"}


class Cut(Exception):
    """The story reached ``now``: what happened so far is the case as it stands today."""


@dataclass
class Rows:
    """What stories produce, in the column order of ``bot.cli.demo`` (flushed in batches)."""

    cases: list[dict[str, Any]]
    events: list[tuple[Any, ...]]
    ratings: list[tuple[Any, ...]]
    extensions: list[tuple[Any, ...]]


class Storyteller:
    """Tells cases one after another (in creation order) into ``rows``; one ``random.Random`` for all."""

    def __init__(self, rng: random.Random, taxonomy: Taxonomy, calendar: WorkCalendar, now: datetime, *,
                 auto_close_hours: float, staff: dict[str, list[Actor]], unit_names: dict[str, str], rows: Rows) -> None:
        self.rng, self.taxonomy, self.calendar, self.now, self.rows = rng, taxonomy, calendar, now, rows
        self.auto_close = timedelta(hours=auto_close_hours)
        self.staff = staff  # unit code -> its members as actors
        self.unit_names = unit_names
        self.primaries: dict[str, dict[str, Any]] = {}  # category -> its latest routed case (duplicates join it)

    # -- the story ---------------------------------------------------------------------------------
    def tell(self, case: dict[str, Any], category: Category, reporter: Actor, *, squad: str | None,
             triage: TriageReason | None) -> None:
        """``case`` has its number, place, category and reporter; the rest happens here (until now)."""
        try:
            self._tell(case, category, reporter, squad, triage)
        except Cut:
            pass
        self.rows.cases.append(case)

    def _tell(self, c: dict[str, Any], category: Category, reporter: Actor, squad: str | None,
              triage: TriageReason | None) -> None:
        rng, at = self.rng, c["created_at"]
        self.step(c, at, "receive", reporter)
        if reporter[0] == ActorKind.RESIDENT and rng.random() < 0.012:
            self.step(c, at + rng.uniform(1, 20) * MINUTE, "cancel", reporter, "市民撤销")
            return
        primary = self.primaries.get(category.code)
        if (triage is None and primary is not None and rng.random() < 0.05 and at - primary["created_at"] < 48 * HOUR
                and (primary["resolved_at"] is None or primary["resolved_at"] > at)):
            c.update(lat=primary["lat"] + rng.uniform(-3e-4, 3e-4), lng=primary["lng"] + rng.uniform(-3e-4, 3e-4),
                     grid_code=primary["grid_code"], unit_code=primary["unit_code"], merged_into_id=primary["id"])
            self.step(c, at, "merge", SYSTEM, f"与 {primary['number']} 为同一问题，合并处理")
            return
        c["triage_reason"] = triage.value if triage else None
        c["unit_code"] = None if triage else unit_for(category.handler, squad)
        if triage is None:
            self.primaries[category.code] = c
            self.dispatch(c, at + rng.uniform(2, 30) * SECOND, SYSTEM)
        else:
            dispatcher, when = rng.choice(DISPATCHERS), self.office(at + rng.uniform(10, 180) * MINUTE)
            if triage == TriageReason.OUTSIDE or rng.random() < 0.3:
                c["triage_reason"] = None
                self.step(c, when, "invalidate", dispatcher, rng.choice(INVALID_REASONS))
                return
            c["unit_code"] = unit_for(category.handler, squad)
            self.dispatch(c, when, dispatcher, note="人工分拨")
        self.handle(c, reporter)

    def handle(self, c: dict[str, Any], reporter: Actor) -> None:
        """Rounds of handling until the case is closed (or the story reaches now)."""
        rng = self.rng
        while True:
            member = rng.choice(self.staff.get(c["unit_code"]) or [SYSTEM])
            at = c["dispatched_at"] + rng.uniform(3, 120) * MINUTE
            if c["round"] == 1 and rng.random() < 0.02:  # 退回, then the dispatcher sends it again
                self.step(c, at, "return", member, rng.choice(RETURN_REASONS))
                c["triage_reason"] = TriageReason.RETURNED.value
                self.dispatch(c, self.office(at + rng.uniform(20, 300) * MINUTE), rng.choice(DISPATCHERS))
                continue
            self.step(c, at, "accept", member)
            resolved = self.extension(c, member, at, self.resolution_time(c, at))
            on_time = resolved <= c["deadline"]
            minutes = round(self.calendar.working_minutes(c["dispatched_at"], resolved))
            self.step(c, resolved, "resolve", member, rng.choice(RESOLVE_NOTES), facts=(None, on_time, minutes))
            c["resolved_at"], c["on_time"] = resolved, on_time
            if not self.after_resolution(c, reporter, resolved):
                return

    def resolution_time(self, c: dict[str, Any], accepted: datetime) -> datetime:
        """Most cases are resolved in time; some late; a few stay stuck for weeks (超期, 督办)."""
        draw, span = self.rng.random(), c["deadline"] - c["dispatched_at"]
        share = self.rng.uniform(0.05, 0.95) if draw < 0.9 else self.rng.uniform(1.02, 2.5) if draw < 0.985 \
            else self.rng.uniform(3, 25)
        return max(c["dispatched_at"] + span * share, accepted + self.rng.uniform(5, 30) * MINUTE)

    def extension(self, c: dict[str, Any], member: Actor, accepted: datetime, resolved: datetime) -> datetime:
        """延期 for about 8 % of cases with a limit in days: approved (the deadline moves), refused, or waiting now."""
        rng = self.rng
        if not self.taxonomy[c["category_code"]].limit.endswith("d") or rng.random() >= 0.08:
            return resolved
        span = c["deadline"] - c["dispatched_at"]
        asked = max(c["dispatched_at"] + span * rng.uniform(0.3, 0.7), accepted + rng.uniform(1, 30) * MINUTE)
        days, reason = rng.choice((1, 2, 3, 5)), rng.choice(EXTENSION_REASONS)
        self.mark(c, asked, "extension_requested", member, f"申请延期 {days} 个工作日：{reason}")
        decided, dispatcher, approve = self.office(asked + rng.uniform(1, 8) * HOUR), rng.choice(DISPATCHERS), \
            rng.random() < 0.75
        if decided > self.now:
            self.rows.extensions.append((c["id"], member[1], days, reason, "pending", asked, None, None))
        moved = self.calendar.deadline(c["deadline"], Limit(days, "d")) if approve else None
        self.mark(c, decided, "extension_approved" if approve else "extension_refused", dispatcher, f"{days} 个工作日",
                  facts=(moved, None, None))
        self.rows.extensions.append((c["id"], member[1], days, reason, "approved" if approve else "refused", asked,
                                     dispatcher[1], decided))
        if moved is not None:  # as bot.dispatch.squad.decide_extension
            c["deadline"] = moved
            if c["overdue_at"] is not None and c["deadline"] > decided:
                c["overdue_at"] = None
        return max(resolved, decided + rng.uniform(10, 120) * MINUTE)

    def escalate(self, c: dict[str, Any], until: datetime) -> None:
        """What the worker's escalation job did by ``until`` while a unit held the case: 75 % reminder, 超期."""
        if c["reminded_at"] is None and c["remind_at"] <= until and c["remind_at"] < c["deadline"]:
            c["reminded_at"] = c["remind_at"]
            self.record(c, c["remind_at"], "remind", c["state"], SYSTEM, "已用去 75% 处置时间")
        if c["overdue_at"] is None and c["deadline"] <= until:
            c["overdue_at"] = c["deadline"]
            self.record(c, c["deadline"], "overdue", c["state"], SYSTEM, "超期，列入督办")

    def after_resolution(self, c: dict[str, Any], reporter: Actor, resolved: datetime) -> bool:
        """Rating, 核查结案 or the automatic close, or 返工; True when another handling round follows."""
        rng = self.rng
        verified = resolved + rng.uniform(1, 48) * HOUR if rng.random() < 0.65 else None
        closing = verified or resolved + self.auto_close
        rated = None
        if reporter[0] == ActorKind.RESIDENT and rng.random() < 0.55:
            rated = resolved + rng.uniform(5, 20 * 60) * MINUTE
        if rated is not None and rated < closing:
            if self.rate(c, reporter, rated):
                return True
        self.step(c, closing, "close", rng.choice(DISPATCHERS) if verified else SYSTEM,
                  None if verified else f"处置后 {self.auto_close / HOUR:g} 小时无异议，自动结案",
                  facts=(None, c["on_time"], None))
        c["closed_at"] = closing
        return rated is not None and rated >= closing and self.rate(c, reporter, rated)

    def rate(self, c: dict[str, Any], reporter: Actor, at: datetime) -> bool:
        """The resident's 1/2/3; 不满意 reopens the case (the second time, the dispatcher takes it)."""
        rng = self.rng
        value = 1 if rng.random() < 0.72 else 2 if rng.random() < 0.65 else 3
        words = RATING_WORDS.get(value) or rng.choice(UNHAPPY)
        self.mark(c, at, "rate", reporter, f"{value}：{words}")
        self.rows.ratings.append((c["id"], c["round"], c["reporter_id"], value, words, at))
        if value != 3:
            return False
        self.step(c, at, "reopen", reporter, words)
        c.update(round=c["round"] + 1, reopen_count=c["reopen_count"] + 1, resolved_at=None, closed_at=None,
                 on_time=None)
        if c["reopen_count"] > 1:  # as bot.dispatch.feedback: a second dissatisfaction goes to the dispatcher
            c["triage_reason"] = TriageReason.DISSATISFIED_AGAIN.value
            self.dispatch(c, self.office(at + rng.uniform(1, 24) * HOUR), rng.choice(DISPATCHERS))
        else:
            self.dispatch(c, at + rng.uniform(2, 30) * SECOND, SYSTEM)
        return True

    # -- steps -------------------------------------------------------------------------------------
    def dispatch(self, c: dict[str, Any], at: datetime, actor: Actor, note: str | None = None) -> None:
        """As ``bot.dispatch.dispatching.dispatch``: the deadline and the 75 % moment from the category's limit."""
        limit = Limit.parse(self.taxonomy[c["category_code"]].limit)
        deadline = self.calendar.deadline(at, limit)
        self.step(c, at, "dispatch", actor, note or f"派遣至{self.unit_names.get(c['unit_code'], c['unit_code'])}",
                  facts=(deadline, None, None))
        c.update(triage_reason=None, dispatched_at=at, first_dispatched_at=c["first_dispatched_at"] or at,
                 deadline=deadline,
                 remind_at=self.calendar.deadline(at, Limit(limit.amount * 0.75, limit.unit)), reminded_at=None,
                 overdue_at=None)

    def step(self, c: dict[str, Any], at: datetime, action: str, actor: Actor, note: str | None = None,
             facts: Facts = NO_FACTS) -> None:
        """A state change, as ``bot.dispatch.states.transition`` makes it (plain strings equal the State keys)."""
        to = TRANSITIONS[(c["state"], action)].value
        self.event(c, at, action, to, actor, note, facts)
        c["state"] = to

    def mark(self, c: dict[str, Any], at: datetime, action: str, actor: Actor, note: str | None = None,
             facts: Facts = NO_FACTS) -> None:
        """A step that changes no state (延期, rating), as ``record_event`` makes it."""
        self.event(c, at, action, c["state"], actor, note, facts)

    def event(self, c: dict[str, Any], at: datetime, action: str, to: str, actor: Actor, note: str | None,
              facts: Facts) -> None:
        """The next step of the story, unless it lies after now; the escalation job runs in between."""
        if c["state"] in HANDLING_STATES:
            self.escalate(c, min(at, self.now))
        if at > self.now:
            raise Cut
        self.record(c, at, action, to, actor, note, facts)

    def record(self, c: dict[str, Any], at: datetime, action: str, to: str, actor: Actor, note: str | None,
               facts: Facts = NO_FACTS) -> None:
        self.rows.events.append((c["id"], at, action, c["state"], to, actor[0], actor[1], actor[2], note, *facts))
        c["updated_at"] = at

    def office(self, at: datetime) -> datetime:
        """The first moment the bureau's office is staffed at or after ``at`` (workdays 08:30–17:30)."""
        local = at.astimezone(self.calendar.zone)
        if self.calendar.is_workday(local.date()) and time(8, 30) <= local.time() < time(17, 30):
            return at
        day = local.date() + timedelta(days=0 if local.time() < time(8, 30) else 1)
        while not self.calendar.is_workday(day):
            day += timedelta(days=1)
        return datetime.combine(day, time(8, 30), self.calendar.zone) + self.rng.uniform(0, 60) * MINUTE
