"""Everything the service says to residents and squads, in one place (concise, polite, official style).

Imported by the surfaces (chat handlers, pages, the CLI) and the notification renderer only: services
return facts and raise typed errors; the words are chosen here.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.dispatch.errors import CaseNotFound, DomainError, IllegalTransition, NeedsPhoto, NotYourCase
from bot.models import Case
from bot.models.enums import TriageReason

STATE_LABELS = {
    "received": "已受理",
    "dispatched": "已派遣",
    "accepted": "处理中",
    "resolved": "已处置",
    "closed": "已结案",
    "returned": "重新派遣中",
    "reopened": "返工处理中",
    "merged": "已合并处理",
    "invalid": "不予受理",
    "cancelled": "已撤销",
}

HOW_TO_REPORT = (
    "发现城市管理问题，请按以下方式反映：\n"
    "① 拍一张现场照片发给我们\n"
    "② 点击输入框旁的＋，选择“位置”发送问题地点\n"
    "③ 用一句话说明问题，如“南山大街有人占道烧烤”\n"
    "三项可按任意顺序发送，收到后立即告知受理编号。"
)

HELP = (
    f"{HOW_TO_REPORT}\n\n"
    "其他功能：\n"
    "· 发送“查询”查看您反映的问题\n"
    "· 发送“查询 编号”查看某个问题的进展\n"
    "· 发送“撤销 编号”撤回尚未派遣的问题\n"
    "· 发送“通知”查看城管局最近的通知，发送“订阅”订阅所在街道或社区的通知\n"
    "· 发送“我的信息”查看或删除我们保存的您的信息"
)

WELCOME = f"您好，感谢关注！这里是城管局“有问题发微信”服务。\n\n{HELP}"

ASK_LOCATION = "请发送问题位置：点击输入框旁的＋，选择“位置”。"
ASK_DESCRIPTION = "请用一句话描述问题，例如“路边有人占道烧烤”。"
PHOTO_RECEIVED = "照片已收到。"
VOICE_UNRECOGNISED = "语音已收到，但未能识别内容。"
DESCRIPTION_RECEIVED = "已收到您的描述。"
LOCATION_RECEIVED = "已收到位置{label}。"
RELOCATED = "已更新编号 {number} 的位置，谢谢！"
RELOCATED_SEPARATED = ("已更新编号 {number} 的位置。该位置与先前合并的问题不在一处，已作为新问题单独受理，"
                       "处理进展会及时推送给您。")
ASK_IF_NEW_PROBLEM = "您是要反映新问题吗？请用一句话说明问题，例如“路边有人占道烧烤”；如需按现有内容提交，请回复“是”。"
DROPPED = "好的，以上内容不作为问题反映。如需反映问题，请发送照片、位置和描述。"
PLACE_CONFLICT = "您描述中的“{place}”距发送的位置约 {km} 公里，已按发送的位置受理；如有误，请发送“撤销 {number}”后重新反映。"
PHOTO_FAILED = {
    "too_large": "抱歉，您刚才发送的照片过大（超过 {mb} MB 或分辨率过高），未能使用。请压缩或截图后重新发送。",
    "too_many_pixels": "抱歉，您刚才发送的照片分辨率过高（超过 {mp} 万像素），未能使用。请截图或压缩后重新发送。",
    "unreadable": "抱歉，您刚才发送的照片无法识别，未能使用。请重新拍摄后发送。",
    "unavailable": "抱歉，您刚才发送的照片未能取回（可能已过期），请重新发送。",
}
BAD_LOCATION = "抱歉，位置信息无法识别，请重新发送位置：点击输入框旁的＋，选择“位置”。"
UNSUPPORTED = "抱歉，暂不支持这类消息。请发送文字、照片、语音或位置。"
SYSTEM_BUSY = "系统繁忙，您的消息已记录，处理结果稍后发送给您。"
KEPT_FOR_LATER = "您的消息已收到。系统正在恢复，处理结果稍后发送给您。"
NO_CASES = "您还没有反映过问题。\n" + HOW_TO_REPORT
CASE_NOT_FOUND = "未找到编号为 {number} 的问题，请核对编号（格式如 20261121-0042）。"
ASK_NUMBER_TO_CANCEL = "请发送“撤销 编号”，例如“撤销 20261121-0042”。发送“查询”可查看编号。"
CANCELLED = "编号 {number} 已撤销。感谢您的关注！"
TOO_LATE_TO_CANCEL = "编号 {number} 当前状态为“{state}”，已进入处理流程，无法撤销。"


def place(case: Case, near: str | None = None) -> str:
    """Where the case is, as a resident would say it: the label, else the nearest named place."""
    if case.address:
        return case.address
    if near:
        return f"{near}附近"
    return f"{case.lat:.5f}, {case.lng:.5f}" if case.has_location else "未知"


def place_of(address: str | None, near: str | None) -> str:
    """The same, from stored facts (a case's label, or the named place nearest to it)."""
    return address or (f"{near}附近" if near else "附近")


def brief(text: str, size: int = 14) -> str:
    return text if len(text) <= size else text[:size] + "…"


TRIAGE_NOTES = {
    TriageReason.OUTSIDE: "该位置不在本局管辖网格内，工作人员将核实后处理。",
    TriageReason.LOW_CONFIDENCE: "工作人员将尽快核实并安排处理。",
    TriageReason.SEVERAL_PROBLEMS: "您反映了不止一个问题，工作人员将逐一核实并安排处理。",
}
SOURCE_NOTES = {"text": "（根据描述识别，如不准确请发送位置）", "exif": "（根据照片定位）"}


def case_opened(case: Case, category: str | None, grid: str | None, unit: str | None,
                triage_reason: str | None, near: str | None = None) -> str:
    """The reply that gives a new case its number. ``category`` is None when the classifier was unsure."""
    lines = [f"已受理，编号 {case.number}。", f"问题：{brief(case.description, 40)}"]
    if category is not None:
        lines.append(f"已识别为：{category}")
    where = place(case, near) + SOURCE_NOTES.get(case.location_source or "", "")
    if grid:
        where += f"，{grid}"
    lines.append(f"位置：{where}")
    if unit is not None:
        lines.append(f"已转{unit}处理。")
    else:
        lines.append(TRIAGE_NOTES.get(TriageReason(triage_reason) if triage_reason else TriageReason.LOW_CONFIDENCE,
                                      TRIAGE_NOTES[TriageReason.LOW_CONFIDENCE]))
    lines.append(f"处理进展会及时推送给您，发送“查询 {case.number}”可随时查看。")
    return "\n".join(lines)


def photo_attached(case: Case) -> str:
    return f"照片已补充到编号 {case.number} 的问题中，谢谢！"


def case_list(cases: list[Case]) -> str:
    lines = [f"{c.number}  {STATE_LABELS.get(c.state, c.state)}  {brief(c.description)}" for c in cases]
    return "您最近反映的问题：\n" + "\n".join(lines) + "\n发送“查询 编号”查看详情。"


MERGED_OWN = "您已反映过该问题（编号 {primary}），正在处理中，无需重复提交。进展会及时推送给您。"


def merged(number: str, primary: str, own: bool, where: str) -> str:
    """The reply to a report merged into an open case (``own``: the resident's own earlier report); it says
    where the open case is, so a resident whose problem is elsewhere can tell us."""
    return (MERGED_OWN if own else MERGED).format(primary=primary, number=number, where=where)


# Steps of a case's trail that residents see besides its changes of state.
STEP_LABELS = {"relocate": "位置已更新"}


def step_label(action: str, to_state: str | None) -> str:
    """One step of a case's timeline (work page, resident's page)."""
    return STEP_LABELS.get(action) or EVENT_LABELS.get(action) or STATE_LABELS.get(to_state or "", action)


EVENT_LABELS = {"extension_requested": "申请延期", "extension_approved": "延期已批准", "extension_refused": "延期未批准",
                "rate": "市民评价", "note": "备注", "reply": "回复市民"}

# The squad's mobile work page (bot/public/squad_page.py).
PAGE_SIGN_IN_FIRST = "请先以企业微信身份登录：转发的链接只能查看，不能办理。"
PAGE_EXTEND_NEEDS = "延期需要填写 1–30 个工作日和原因。"
PAGE_PHOTO_REJECTED = {"too_large": "照片太大，请换一张较小的照片。", "unreadable": "照片无法识别，请重新拍摄。"}


def case_detail(case: Case, zone: ZoneInfo, near: str | None = None) -> str:
    """One case's progress: each change of state once (and the steps residents took part in)."""
    shown = [e for e in case.events if e.from_state != e.to_state or e.action in STEP_LABELS]
    steps = [f"{e.at.astimezone(zone):%m-%d %H:%M}  {STEP_LABELS.get(e.action) or STATE_LABELS.get(e.to_state, e.to_state)}"
             for e in shown]
    return (
        f"编号 {case.number}（{STATE_LABELS.get(case.state, case.state)}）\n"
        f"问题：{brief(case.description, 60)}\n"
        f"位置：{place(case, near)}\n"
        + "进展：\n" + "\n".join(steps)
    )


def missing(parts: list[str]) -> str:
    if parts == ["location"]:
        return ASK_LOCATION
    if parts == ["description"]:
        return ASK_DESCRIPTION
    return "还需要：\n· 问题位置：点击输入框旁的＋，选择“位置”\n· 一句话描述，例如“路边有人占道烧烤”"


def local_time(moment: datetime, zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(zone)):%m月%d日 %H:%M}"


def local_date(moment: datetime, zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(zone)):%Y年%m月%d日}"


def minutes(seconds: float) -> str:
    return f"{seconds / 60:g} 分钟"


# -- pushes to the resident ------------------------------------------------------------------------
PUSH_DISPATCHED = "您反映的问题（编号 {number}）已派遣至{unit}，将于{deadline}前处理。"
PUSH_ACCEPTED = "编号 {number}：{unit}已签收，正在处理。"
RATE_PROMPT = "请您评价：回复 1 满意，2 基本满意，3 不满意。如问题仍未解决，可直接回复说明情况。"
PUSH_RESOLVED = "编号 {number}：已处置完毕。\n处置说明：{note}\n" + RATE_PROMPT
PUSH_CLOSED = "编号 {number}：已核查结案。感谢您对城市管理的支持！"
PUSH_REDISPATCHED = "编号 {number}：已重新派遣至{unit}，将于{deadline}前处理。"
PUSH_REOPENED = "编号 {number}：已按您的意见安排返工，{unit}将于{deadline}前重新处理。"
PUSH_REWORKED = "编号 {number}：经核查需返工，{unit}将于{deadline}前重新处理。"
PUSH_INVALID = "编号 {number}：经核实不予立案。原因：{reason}"
PUSH_REPLY = "关于您反映的问题（编号 {number}），城管局答复：{text}"
MERGED = ("已有市民反映{where}的同类问题，正在处理（编号 {primary}），您的反映已合并（编号 {number}）。"
          "处理进展会同步推送给您。如不是同一问题，请回复“不是同一问题”。")
NOT_MERGED_ANY_MORE = "已将编号 {number} 作为新问题单独受理，谢谢您的说明。"
NOTHING_TO_SPLIT = "您最近没有被合并的反映。如需反映新问题，请发送照片、位置和描述。"
RATED = "感谢您的评价（{label}）！"
REOPENED_REPLY = "很抱歉问题仍未解决。已安排{unit}返工（编号 {number}），将于{deadline}前重新处理，进展会及时告知您。"
THANKS = "不客气，感谢您对城市管理的支持！发现问题可随时发送照片、位置和描述。"
ESCALATED_REPLY = "很抱歉问题仍未解决。编号 {number} 已转指挥中心复核，我们会尽快联系处理。"
ALREADY_RATED = "编号 {number} 本轮处理您已评价过，感谢您的反馈。"
RATING_LABELS = {1: "满意", 2: "基本满意", 3: "不满意"}
MY_INFO = ("我们保存的您的信息：\n· 用户标识：{masked}（不含昵称）\n· 首次使用：{first_seen}\n"
           "· 反映问题：{cases} 件；照片 {photos} 张（已去除拍摄信息）\n· 最近位置：{location}\n"
           "如需删除，请发送“删除我的信息”。删除后您反映的问题仍保留用于统计，但不再与您关联。")
CONFIRM_DELETE = "确认删除您的信息吗？删除后无法再查询或收到以往问题的进展。请在 {window}内回复“确认删除”。"
NO_LOCATION_KEPT = "无"
LOCATION_KEPT = "{lat:.4f}, {lng:.4f}（{window}后不再使用）"
DELETED = "您的信息已删除，以往反映的问题已与您解除关联。感谢您的支持！"
NOTHING_TO_CONFIRM = "没有待确认的删除请求。如需删除您的信息，请发送“删除我的信息”。"


# -- notices (群发) and area subscriptions -----------------------------------------------------------
AREAS_TO_CHOOSE = "可订阅通知的街道和社区：\n{areas}\n请发送“订阅 名称”，例如“订阅 {example}”。"
SUBSCRIBED = "已订阅“{area}”的通知，该区域的施工、停水、整治等通知将推送给您。发送“退订 {area}”可取消。"
ALREADY_SUBSCRIBED = "您已订阅“{area}”的通知。发送“我的订阅”查看全部。"
UNSUBSCRIBED = "已退订“{area}”的通知。"
NOT_SUBSCRIBED = "您没有订阅“{area}”的通知。发送“我的订阅”查看已订阅的区域。"
ASK_AREA_TO_UNSUBSCRIBE = "请发送“退订 名称”，例如“退订 {example}”。发送“我的订阅”查看已订阅的区域。"
UNKNOWN_AREA = "未找到“{query}”。可订阅的街道和社区：{choices}"
AMBIGUOUS_AREA = "“{query}”对应多个区域，请发送完整名称：{choices}"
MY_SUBSCRIPTIONS = "您订阅了以下区域的通知：{areas}\n发送“退订 名称”可取消。"
NO_SUBSCRIPTIONS = "您还没有订阅街道或社区的通知。发送“订阅”查看可订阅的区域。"
NO_NOTICES = "暂无通知。发送“订阅”可订阅所在街道或社区的通知。"


def notice_list(items: list[tuple[str, str, str]]) -> str:
    """(date, title, link) per notice, newest first."""
    return "最近的通知：\n" + "\n".join(f"{i}. {title}（{date}）\n{link}" for i, (date, title, link) in
                                         enumerate(items, 1))


def area_names(names: list[str]) -> str:
    return "、".join(names) if names else "（暂无）"


# -- squads (WeChat Work) --------------------------------------------------------------------------
SQUAD_HELP = (
    "可用指令（编号如 20261121-0042）：\n"
    "· 签收 编号\n"
    "· 办结 编号 处置说明（请先发送处置后照片）\n"
    "· 退回 编号 原因\n"
    "· 延期 编号 天数 原因\n"
    "· 待办：本单位未办结案件"
)
NOT_IN_DIRECTORY = "您不在处置人员名单中，暂不能处理案件。请联系指挥中心。"
SQUAD_PHOTO_RECEIVED = "照片已收到。请回复“办结 编号 处置说明”完成办结。"
SQUAD_NO_CASE = "未找到编号 {number} 的案件，请核对编号。"
SQUAD_NOT_OURS = "编号 {number} 不属于本单位，不能操作。"
SQUAD_ILLEGAL = "编号 {number} 当前状态为“{state}”，不能{action}。"
SQUAD_NEEDS_NUMBER = "请在指令后写上案件编号，例如“{word} 20261121-0042”。"
SQUAD_NEEDS_REASON = "请说明{what}，例如“{example}”。"
SQUAD_NEEDS_PHOTO = "办结需要处置后照片：请先发送现场照片，再回复“办结 {number} 处置说明”。"
SQUAD_ACCEPTED = "已签收 {number}，处置时限 {deadline}。"
SQUAD_RESOLVED = "已办结 {number}（照片 {photos} 张），{timeliness}。"
SQUAD_RETURNED = "已退回 {number}，指挥中心将重新派遣。"
SQUAD_EXTENSION_REQUESTED = "已提交延期申请：{number} 延期 {days} 个工作日，待指挥中心审批。"
SQUAD_NO_TODO = "本单位暂无待办案件。"
ACTION_WORDS = {"accept": "签收", "resolve": "办结", "return": "退回", "extend": "延期"}


def squad_refusal(error: DomainError, number: str) -> str:
    """A member's refused action, in words (chat reply and the mobile work page)."""
    if isinstance(error, CaseNotFound):
        return SQUAD_NO_CASE.format(number=number)
    if isinstance(error, NotYourCase):
        return SQUAD_NOT_OURS.format(number=number)
    if isinstance(error, NeedsPhoto):
        return SQUAD_NEEDS_PHOTO.format(number=number)
    assert isinstance(error, IllegalTransition), f"no wording for {error!r}"
    return SQUAD_ILLEGAL.format(number=number, state=STATE_LABELS.get(error.state or "", error.state),
                                action=ACTION_WORDS[error.action])
TIMELINESS = {True: "按期办结", False: "超期办结"}


def squad_todo(lines: list[tuple[str, str, str, str]]) -> str:
    """(number, category, state, deadline) per open case, nearest deadline first."""
    rows = [f"{n} {c} {s} 时限{d}" for n, c, s, d in lines]
    return "本单位待办案件：\n" + "\n".join(rows)


def rework_opinion(rating: int | None, words: str | None) -> str | None:
    """What the resident said when they asked for 返工: the rating's meaning, and their own words if any."""
    if rating is None and not words:
        return None
    label = RATING_LABELS.get(rating or 0)
    said = words if words and words.strip() not in {str(rating), label} else None
    return "：".join(x for x in (label, said) if x)


REWORK_LABELS = {False: "市民意见", True: "核查意见"}  # who sent the case back: a resident, or the bureau


# The short note (≤ 20 characters) a template or subscription message carries, by notice.
PUSH_NOTES = {
    "opened": "已受理您反映的问题",
    "dispatched": "已派遣处置单位",
    "redispatched": "已重新派遣处置单位",
    "accepted": "处置单位已签收",
    "resolved": "已处置，请评价处置结果",
    "reopened": "已安排返工",
    "reworked": "已安排返工",
    "closed": "已结案，感谢您的反映",
    "invalid": "经核实不予受理",
    "reply": "城管局回复了您的反映",
    "merged": "已与同类问题合并处理",
}

# The 退回 reasons a squad picks on the card (option id -> words recorded on the case).
RETURN_REASONS = {"not_ours": "非本单位职责", "wrong_place": "位置有误", "other": "其他"}
RETURN_QUESTION = "return_reason"


def dispatch_card(number: str, category: str, where: str, description: str, deadline: str, photos: int,
                  link: str, rework: str | None = None, by_bureau: bool = False) -> dict:
    """The WeChat Work button card a squad receives for a new (or reworked) case; no resident identity in it.

    Buttons: 签收 and 退回 (with the reason picked above it) call back ``/wework``; 办结 opens the case page,
    where the after-photos are taken. ``rework``: the resident's opinion (``rework_opinion``), or the bureau's
    verification note (``by_bureau``), when the case comes back for 返工. The ``task_id`` is set at delivery.
    """
    card: dict = {
        "card_type": "button_interaction",
        "source": {"desc": "有问题发微信", "desc_color": 0},
        "main_title": {"title": f"【{'返工' if rework else '新案件'}】{category} {number}",
                       "desc": f"处置时限：{deadline}"},
        "sub_title_text": f"问题：{brief(description, 60)}",
        "horizontal_content_list": [
            {"keyname": "地点", "value": brief(where, 26)},
            {"keyname": "处置时限", "value": deadline},
            {"keyname": "现场照片", "value": f"{photos} 张", "type": 1, "url": link},
        ],
        "card_action": {"type": 1, "url": link},
        "button_selection": {
            "question_key": RETURN_QUESTION, "title": "退回原因", "selected_id": "not_ours",
            "option_list": [{"id": key, "text": text} for key, text in RETURN_REASONS.items()]},
        "button_list": [
            {"text": "签收", "style": 1, "key": f"accept:{number}"},
            {"text": "退回", "style": 2, "key": f"return:{number}"},
            {"text": "办结", "style": 1, "type": 1, "url": link},
        ],
    }
    if rework:
        card["quote_area"] = {"type": 0, "title": REWORK_LABELS[by_bureau], "quote_text": brief(rework, 60)}
    return {"msgtype": "template_card", "template_card": card}


def card_title(message: dict) -> str:
    """What a squad's message says first (button card, text card or text), for the case file and the simulator."""
    if message.get("msgtype") == "template_card":
        return str(message["template_card"]["main_title"]["title"])
    if message.get("msgtype") == "textcard":
        return str(message["textcard"]["title"])
    return str(message.get("text", {}).get("content", ""))


# A card after a click: who did what (buttons disabled), or why the click was refused.
CARD_DONE = "已由 {name} {action} {when}"
CARD_ACTIONS = {"accept": "签收", "return": "退回"}
CARD_REFUSED = {
    "not_found": "案件不存在",
    "not_ours": "非本单位案件，不能{action}",
    "illegal": "案件{state}，不能{action}",
    "not_in_directory": "您不在处置人员名单中",
}


def card_done(name: str, action: str, when: datetime, zone: str) -> str:
    return CARD_DONE.format(name=name, action=CARD_ACTIONS[action], when=f"{when.astimezone(ZoneInfo(zone)):%m-%d %H:%M}")


def card_refused(reason: str, action: str, state: str | None) -> str:
    return CARD_REFUSED[reason].format(action=CARD_ACTIONS.get(action, action),
                                       state=STATE_LABELS.get(state or "", state or ""))


def reminder_card(number: str, category: str, deadline: str, link: str) -> dict:
    description = f'<div class="highlight">处置时限：{deadline}</div><div class="normal">已用去 75% 处置时间，请尽快处理。</div>'
    return {"msgtype": "textcard", "textcard": {
        "title": f"【即将超期】{category} {number}", "description": description, "url": link, "btntxt": "详情"}}


def overdue_notice(number: str, category: str, unit: str, deadline: str) -> dict:
    content = f"【超期督办】{unit}案件 {number}（{category}）已于{deadline}超期，请立即处理。"
    return {"msgtype": "text", "text": {"content": content}}


def held_summary(lines: list[str], photos: int) -> str:
    body = "\n".join(f"· {line}" for line in lines)
    extra = f"\n（另有处置照片 {photos} 张，发送“查询 编号”查看进展）" if photos else ""
    return f"您反映的问题有以下新进展：\n{body}{extra}"


# -- reports to the bureau's leaders (WeChat Work) -----------------------------------------------------
REPORT_TITLES = {"week": ("一周一报", "上周"), "month": ("一月公示", "上月")}
REPORT_RATES = (("closure_rate", "结案率"), ("on_time_rate", "按期结案率"), ("satisfaction_rate", "满意率"))


def report_summary(kind: str, label: str, current: dict, previous: dict) -> str:
    """One paragraph for the leaders: 受理 and the three rates, each against the previous period
    (``current``/``previous`` as ``citybot stats --json`` gives them; a rate without cases is "—")."""
    title, before = REPORT_TITLES.get(kind, ("统计报表", "上期"))
    received, change = current["received"], current["received"] - previous["received"]
    trend = f"较{before}{'增加' if change > 0 else '减少'} {abs(change)} 件" if change else f"与{before}持平"
    parts = [f"受理 {received} 件（{trend}）"]
    for key, name in REPORT_RATES:
        now, then = current.get(key), previous.get(key)
        value = "—" if now is None else f"{now * 100:.1f}%"
        if now is None or then is None:
            parts.append(f"{name} {value}（{before}无可比数据）" if now is not None else f"{name} —（本期无相应案件）")
        elif round((now - then) * 1000) == 0:
            parts.append(f"{name} {value}（与{before}持平）")
        else:
            points = (now - then) * 100
            parts.append(f"{name} {value}（较{before}{'上升' if points > 0 else '下降'} {abs(points):.1f} 个百分点）")
    return f"【{title}】{label}：{'，'.join(parts)}。详见随后发送的统计表。"


# -- pages: errors and links (bot/public) -------------------------------------------------------------
# status -> (title, what happened and what to do)
ERRORS: dict[int, tuple[str, str]] = {
    400: ("请求有误", "页面收到的内容无法识别，请返回上一页重试。"),
    403: ("无权访问", "您没有查看此页面的权限。"),
    404: ("页面不存在", "您要找的页面不存在，可能是网址输错了。"),
    405: ("无法这样打开此页面", "请通过页面上的按钮或链接进入。"),
    413: ("文件太大", "上传的文件超过 {limit}，无法接收。请换一张较小的照片，或压缩后再试。"),
    429: ("操作太频繁", "请稍等片刻再试。"),
    500: ("系统开小差了", "服务暂时出了点问题，请稍后再试。"),
    503: ("服务暂不可用", "服务正在维护或繁忙，请稍后再试。"),
}
GENERIC_ERROR = ("出错了", "请求没有成功，请稍后再试。")
LINK_GONE = ("链接无效或已过期",
             "案件链接自发出起 {days} 天内有效。请在企业微信中打开最新的案件消息，或发送“待办”查看本单位的案件。")
PUBLIC_HINT = "市民反映问题，请在微信中向城管局公众号发送照片、位置和一句话。"


# -- Open311 (bot/open311): what other systems and their users read -----------------------------------
OPEN311_CONTACT = "城市管理局指挥中心（数字城管）"
OPEN311_KEY_SERVICE = "API 密钥由城市管理局指挥中心发放（citybot api-key add），请联系指挥中心申请。"
OPEN311_ERRORS: dict[int, str] = {
    400: "请求参数有误",
    403: "api_key 缺失或无效",
    404: "资源不存在",
    405: "不支持此请求方法",
    413: "请求内容过大",
    429: "请求过于频繁，请稍后再试",
}
OPEN311_NOTICE_ROUTED = "已受理，已转{unit}处理。"
OPEN311_NOTICE_RECEIVED = "已受理，指挥中心将尽快分派处理。"
OPEN311_NOTICE_MERGED = "已受理。附近已有同类问题正在处理（编号 {primary}），将一并处理。"
