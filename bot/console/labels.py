"""The console's words: labels for states, steps, reasons and delivery states, and its answers to refusals.

The console is a surface, so it chooses its own words; residents' and squads' sentences stay in ``bot.texts``.
"""

from __future__ import annotations

from bot.broadcasts.audience import Audience
from bot.broadcasts.errors import (
    AmbiguousArea,
    BadAudience,
    BadContent,
    NeedsConfirmation,
    NotAnApprover,
    SelfApproval,
    UnknownArea,
    WrongState,
)
from bot.dispatch.bureau import CannotMerge, EmptyText, NobodyToTell, WindowClosed
from bot.dispatch.errors import (
    CaseNotFound,
    DomainError,
    IllegalTransition,
    NoPendingRequest,
    NotMerged,
    NotYourCase,
    UnknownCategory,
)
from bot.texts import RATING_LABELS, STATE_LABELS

STATES = {**STATE_LABELS, "received": "待分拨", "accepted": "已签收", "returned": "已退回", "reopened": "返工",
          "invalid": "不予立案"}
STEPS = {
    "receive": "受理", "dispatch": "派遣", "accept": "签收", "resolve": "办结", "return": "退回", "close": "结案",
    "reopen": "返工", "merge": "合并", "split": "拆分", "invalidate": "不予立案", "cancel": "撤销", "rate": "评价",
    "note": "内部备注", "reply": "回复市民", "remind": "提醒", "overdue": "超期督办", "relocate": "位置更新",
    "extension_requested": "申请延期", "extension_approved": "同意延期", "extension_refused": "不同意延期",
}
TRIAGE = {"low_confidence": "分类不确定", "outside": "辖区外", "no_location": "无位置", "no_category": "未分类",
          "several_problems": "多个问题",
          "unit_unreachable": "无法送达单位", "returned": "中队退回", "dissatisfied_again": "市民再次不满意"}
SOURCES = {"message": "市民发送位置", "event": "上报地理位置", "exif": "照片定位", "text": "描述中的地名",
           "map": "地图选点", "address": "地址"}
DELIVERY = {"queued": "待发送", "sent": "已送达", "failed": "发送失败", "skipped": "市民已取关",
            "window_closed": "超出48小时，暂存", "summarized": "已合并补发"}
ROLES = {"admin": "管理员", "dispatcher": "派遣员", "leader": "单位负责人", "viewer": "查看者", "operator": "接线员"}
CHANNELS = {"wechat": "微信", "hotline": "热线", "12319": "12319 热线", "96310": "96310 热线", "12345": "12345 热线",
            "visit": "来访", "patrol": "巡查", "open311": "Open311"}  # an Open311 key's name is shown as it is
ACTORS = {"resident": "市民", "squad": "中队", "dispatcher": "指挥中心", "api": "外部系统", "system": "系统"}
RATINGS = RATING_LABELS
DONE = {"dispatch": "已派遣。", "close": "已核查结案，已通知市民。", "rework": "核查不通过，已返工并重新派遣。",
        "invalidate": "已不予立案，已告知市民原因。", "note": "内部备注已保存。", "reply": "回复已发送给市民。",
        "merge": "已合并。", "split": "已拆分，将单独处理。", "approve": "已同意延期。", "refuse": "已不同意延期。"}

BROADCAST_STATES = {"draft": "草稿", "awaiting_approval": "待审核", "scheduled": "待发送", "sending": "发送中",
                    "sent": "已发送", "failed": "发送失败", "cancelled": "已取消"}
BROADCAST_DONE = {"submit": "已提交，将按时发送。", "submit_all": "已提交，需另一位派遣员或管理员审核后发送。",
                  "approve": "已审核通过，将按时发送。", "cancel": "已取消，不会发送。",
                  "preview": "预览已发出，请在该微信号上查看。"}
CONTENT_FIELDS = {"title": "标题", "text": "正文", "image": "图片", "openid": "预览微信号（openid）", "send_at": "发送时间"}


def audience(chosen: Audience) -> str:
    """'全部关注者', '订阅“明珠社区”的市民', '近 30 天在“明珠社区”反映过问题的市民'."""
    if chosen.kind == "all":
        return "全部关注者"
    if chosen.kind == "area":
        return f"订阅“{chosen.area}”的市民"
    return f"近 {chosen.days} 天在“{chosen.area}”反映过问题的市民"


def broadcast_refusal(error: DomainError) -> tuple[str, int]:
    """The console's words for a refused broadcast decision, and the status (409 state, 422 input)."""
    if isinstance(error, BadContent):
        return f"{CONTENT_FIELDS.get(error.field, error.field)}不符合要求：{error.reason}。", 422
    if isinstance(error, AmbiguousArea):
        return f"“{error.query}”对应多个区域：{'、'.join(error.choices)}。", 422
    if isinstance(error, UnknownArea):
        return f"没有区域“{error.query}”。", 422
    if isinstance(error, BadAudience):
        return "请选择发送对象。", 422
    if isinstance(error, NeedsConfirmation):
        return (f"全部 {error.total} 名关注者中有 {error.over_limit} 人本月已收满群发，他们不会收到。"
                "如仍要发送，请勾选确认后再提交。"), 409
    if isinstance(error, SelfApproval):
        return "发送给全部关注者须由另一位派遣员或管理员审核，不能审核自己撰写的通知。", 409
    if isinstance(error, NotAnApprover):
        return "只有派遣员或管理员可以审核。", 409
    if isinstance(error, WrongState):
        return f"通知当前状态（{BROADCAST_STATES.get(error.state, error.state)}）不允许此操作，未做任何更改。", 409
    return "无法执行此操作，未做任何更改。", 409


def refusal(error: DomainError) -> tuple[str, int]:
    """What the console says when a service refuses, and the status: 409 (the case's state does not allow it)
    or 422 (the input cannot be used)."""
    if isinstance(error, IllegalTransition):
        return f"案件当前状态（{STATES.get(error.state or '', error.state)}）不允许此操作，未做任何更改。", 409
    if isinstance(error, WindowClosed):
        return "市民最近 48 小时内没有发消息（或本时段的客服消息已达上限），微信不允许现在发送，未发送。", 409
    if isinstance(error, NobodyToTell):
        return "该案件没有可以通过微信联系的市民（热线来件、市民已删除信息或已取关），未发送。", 409
    if isinstance(error, CannotMerge):
        return f"不能合并到 {error.into}：目标案件须为其他未办结的案件。", 409
    if isinstance(error, NotMerged):
        return "该案件不是合并案件，无需拆分。", 409
    if isinstance(error, NoPendingRequest):
        return "该延期申请已处理或不存在。", 409
    if isinstance(error, NotYourCase):
        return "该案件不属于您的单位。", 409
    if isinstance(error, CaseNotFound):
        return f"没有编号为 {error.number} 的案件。", 422
    if isinstance(error, UnknownCategory):
        return f"没有类别 {error.code}。", 422
    if isinstance(error, EmptyText):
        return "内容不能为空，且不超过 500 字。", 422
    return "无法执行此操作，未做任何更改。", 409
