"""``/`` says what the service is (and points to the simulator where it runs); every HTTP error becomes a
short, polite page in Chinese with the same status code, or JSON for the paths machines call."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from bot.services import get_services

bp = Blueprint("public", __name__)  # templates: bot/templates/public/ (the app's folder, shipped in the wheel)

# Paths whose callers are programs (the simulator's page script, WeChat's servers, API clients): JSON errors.
API_PREFIXES = ("/sandbox/api/", "/wechat", "/wework", "/open311/", "/healthz")

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
GENERIC = ("出错了", "请求没有成功，请稍后再试。")
LINK_GONE = ("链接无效或已过期",
             "案件链接自发出起 {days} 天内有效。请在企业微信中打开最新的案件消息，或发送“待办”查看本单位的案件。")
HELP = "市民反映问题，请在微信中向城管局公众号发送照片、位置和一句话。"


def _size(limit: int | None) -> str:
    if not limit:
        return "上限"
    return f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def _wording(status: int) -> tuple[str, str, str | None]:
    """Title, message and a hint for residents (none on squads' links)."""
    if status == 404 and (request.blueprint == "links" or request.path.startswith(("/s/", "/m/"))):
        title, message = LINK_GONE
        return title, message.format(days=get_services().settings.link_max_age // 86400), None
    title, message = ERRORS.get(status, GENERIC)
    return title, message.format(limit=_size(request.max_content_length)), HELP


@bp.app_errorhandler(HTTPException)
def error_page(error: HTTPException) -> HTTPException | tuple[Response | str, int]:
    status = error.code
    if status is None or status < 400:  # redirects and the like are not errors
        return error
    title, message, hint = _wording(status)
    wants_json = request.accept_mimetypes.best == "application/json"
    if request.path.startswith(API_PREFIXES) or wants_json:
        return jsonify(error=status, title=title, message=message), status
    return render_template("public/error.html", status=status, title=title, message=message, hint=hint), status


@bp.get("/")
def landing() -> str:
    return render_template("public/landing.html", simulator="sandbox" in current_app.blueprints)
