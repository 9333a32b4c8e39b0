"""有问题发微信 — the app factory. ``create_app`` is the only place that connects to anything.

Importing ``bot`` imports nothing else: the command line (``citybot --help``) starts without loading
Flask's app, SQLAlchemy, numpy or shapely; ``create_app`` imports what the app needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from bot.config import Settings
    from bot.extensions import RedisQueues
    from bot.services import Services


def build_services(settings: Settings, queues: RedisQueues) -> Services:
    from bot.clock import Clock
    from bot.dispatch.calendar import WorkCalendar
    from bot.dispatch.deps import Deps
    from bot.geo.index import AreaIndexCache
    from bot.handlers import build_resident_router, build_squad_router
    from bot.services import Services
    from bot.understanding.classify import Classifier
    from bot.understanding.taxonomy import load_taxonomy
    from bot.understanding.understand import Understanding

    taxonomy = load_taxonomy(settings.taxonomy_file, settings.lexicon_file)
    assert queues.connection is not None
    understanding = Understanding(
        taxonomy,
        lambda: Classifier.load(taxonomy, settings.classifier_model),
        AreaIndexCache(queues.connection),
        settings.classify_min_confidence,
    )
    calendar = WorkCalendar.from_settings(settings.timezone, settings.work_windows, settings.extra_holidays,
                                          settings.extra_workdays)
    routers = {"wechat": build_resident_router(), "wework": build_squad_router()}
    return Services(Deps(settings, Clock(), understanding, calendar), routers, queues.connection)


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the app from ``settings`` (default: the environment), with field ``overrides``."""
    import logging

    from flask import Flask

    from bot.config import Settings
    from bot.core import after_commit
    from bot.embedded_redis import ensure_embedded_redis
    from bot.extensions import Database, RedisQueues
    from bot.notifications.fields import parse_mapping
    from bot.wechat.envelope import Envelope

    settings = settings or Settings.from_env()
    if overrides:
        settings = settings.replace(**overrides)
    settings.check()
    for mapping in (settings.wechat_template_fields, settings.wechat_subscribe_fields):
        parse_mapping(mapping)  # a typo in WECHAT_TEMPLATE_FIELDS refuses to start, not to push
    if not settings.redis_url:
        settings = settings.replace(redis_url=ensure_embedded_redis(settings.instance_dir / "redis"))

    app = Flask(__name__, instance_path=str(settings.instance_dir))
    # Uploads (the simulator's photos) may be large; the webhooks set their own, much smaller limit.
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_media_bytes)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    database = Database()
    database.init_app(app, settings)
    queues = RedisQueues()
    queues.init_app(app, settings.redis_url)
    after_commit.install(database.sessions, queues.queues)  # jobs registered in a transaction run after it commits
    app.extensions["citybot.services"] = build_services(settings, queues)
    skew = settings.wechat_max_clock_skew
    app.extensions["citybot.envelopes"] = {
        "wechat": Envelope(settings.wechat_token, settings.wechat_aes_key, settings.wechat_appid, skew),
        "wework": Envelope(settings.wework_token, settings.wework_aes_key, settings.wework_corp_id, skew,
                           always_encrypted=True),
    }

    from bot import cli, console, health, links, open311, public
    from bot.webhooks import wechat, wework

    # public: `/`, the error pages, the squad's and the resident's case pages
    for blueprint in (health.bp, wechat.bp, wework.bp, links.bp, public.bp, public.squad_bp, public.resident_bp):
        app.register_blueprint(blueprint)
    if settings.fake_platform:  # never with real credentials: Settings.check refuses that combination
        from bot import sandbox

        app.register_blueprint(sandbox.bp)
    open311.init_app(app, settings)  # with its per-key rate limits (Flask-Limiter on our Redis)
    console.init_app(app, settings)  # after the blueprints it exempts from CSRF (webhooks, simulator)
    cli.init_app(app)
    return app
