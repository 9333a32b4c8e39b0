"""The bureau's console (指挥中心), ``/console/``: server-rendered pages on the same services as the CLI.

``init_app`` binds the console's security to the app: Flask-Login sessions, CSRF on every state-changing
request (Flask-WTF; the webhooks and the simulator's JSON API are exempt: WeChat signs its own requests),
cookies that are HttpOnly, SameSite=Lax and (outside the embedded and test profiles) Secure, and a strict
Content-Security-Policy (no inline script: every script is a vendored or own static file).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, Response, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect

from bot.config import Settings
from bot.console import (  # noqa: F401 - they register their views
    accounts,
    actions,
    areas,
    auth,
    broadcasts,
    cases,
    dashboard,
    maps,
    statistics,
    units,
)
from bot.console.blueprint import bp
from bot.services import get_services

# Blueprints whose POSTs are not browser forms: WeChat's signed webhooks and the simulator's local JSON API.
CSRF_EXEMPT = ("wechat", "wework", "sandbox")


def init_app(app: Flask, settings: Settings) -> None:
    """Call after the other blueprints are registered (their CSRF exemptions are looked up by name)."""
    secure = settings.profile == "production" if settings.console_secure_cookies is None else settings.console_secure_cookies
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.console_session_hours),
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session it belongs to
    )
    app.register_blueprint(bp)
    csrf = CSRFProtect(app)
    for name in CSRF_EXEMPT:
        if name in app.blueprints:
            csrf.exempt(app.blueprints[name])
    auth.init_login(app)

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> tuple[str, int]:
        return render_template("console/error.html", title="请求已失效",
                               message="页面已过期或来源不明，请刷新页面后重试。"), 400


@bp.errorhandler(403)
def forbidden(_error: Exception) -> tuple[str, int]:
    return render_template("console/error.html", title="没有权限", message="您的角色不能查看此页面或执行此操作。"), 403


@bp.errorhandler(404)
def not_found(_error: Exception) -> tuple[str, int]:
    return render_template("console/error.html", title="找不到", message="没有这个案件，或它不属于您的单位。"), 404


@bp.after_request
def security_headers(response: Response) -> Response:
    tiles = _tile_origin()
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'self'; "
        f"form-action 'self'; frame-ancestors 'none'; connect-src 'self'; img-src 'self' data: blob:{tiles}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if response.mimetype == "text/html" or response.mimetype == "text/csv" or response.is_json:
        response.headers["Cache-Control"] = "no-store"  # pages may hold case details: never cached
    return response


def _tile_origin() -> str:
    """The tile server's origin for ``img-src`` ('{s}.tile.example' becomes '*.tile.example')."""
    url = get_services().settings.console_tile_url
    if not url:
        return ""
    parts = urlsplit(url)
    return f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"
