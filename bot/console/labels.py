"""The console's words: labels for states, steps, reasons and delivery states, and its answers to refusals.

The console is a surface, so it chooses its own words; residents' and squads' sentences stay in ``bot.texts``.
"""

from __future__ import annotations

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
          "unit_unreachable": "无法送达单位", "returned": "中队退回", "dissatisfied_again": "市民再次不满意"}
SOURCES = {"message": "市民发送位置", "event": "上报地理位置", "exif": "照片定位", "text": "描述中的地名",
           "map": "地图选点", "address": "地址"}
DELIVERY = {"queued": "待发送", "sent": "已送达", "failed": "发送失败", "skipped": "市民已取关",
            "window_closed": "超出48小时，暂存", "summarized": "已合并补发"}
ROLES = {"admin": "管理员", "dispatcher": "派遣员", "leader": "单位负责人", "viewer": "查看者", "operator": "接线员"}
CHANNELS = {"wechat": "微信", "hotline": "热线", "open311": "Open311", "patrol": "巡查"}
ACTORS = {"resident": "市民", "squad": "中队", "dispatcher": "指挥中心", "api": "外部系统", "system": "系统"}
RATINGS = RATING_LABELS
DONE = {"dispatch": "已派遣。", "close": "已核查结案，已通知市民。", "rework": "核查不通过，已返工并重新派遣。",
        "invalidate": "已不予立案，已告知市民原因。", "note": "内部备注已保存。", "reply": "回复已发送给市民。",
        "merge": "已合并。", "split": "已拆分，将单独处理。", "approve": "已同意延期。", "refuse": "已不同意延期。"}


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
