"""有问题发微信 — the app factory. ``create_app`` is the only place that connects to anything."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from bot.clock import Clock
from bot.config import Settings
from bot.embedded_redis import ensure_embedded_redis
from bot.extensions import Database, RedisQueues
from bot.geo.index import AreaIndexCache
from bot.handlers import build_router
from bot.intake.classify import Classifier
from bot.intake.taxonomy import load_taxonomy
from bot.intake.understand import Understanding
from bot.wechat.envelope import Envelope


def build_understanding(settings: Settings, queues: RedisQueues) -> Understanding:
    taxonomy = load_taxonomy(settings.taxonomy_file, settings.lexicon_file)
    assert queues.connection is not None
    return Understanding(
        taxonomy,
        lambda: Classifier.load(taxonomy, settings.classifier_model),
        AreaIndexCache(queues.connection),
        settings.classify_min_confidence,
    )


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the app from ``settings`` (default: the environment), with field ``overrides``."""
    settings = settings or Settings.from_env()
    if overrides:
        settings = settings.replace(**overrides)
    settings.check()
    if not settings.redis_url:
        settings = settings.replace(redis_url=ensure_embedded_redis(settings.instance_dir / "redis"))

    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_body_bytes)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    app.extensions["citybot.settings"] = settings
    app.extensions["citybot.clock"] = Clock()
    app.extensions["citybot.router"] = build_router()
    app.extensions["citybot.wechat_envelope"] = Envelope(
        settings.wechat_token, settings.wechat_aes_key, settings.wechat_appid, settings.wechat_max_clock_skew
    )
    Database().init_app(app, settings)
    queues = RedisQueues()
    queues.init_app(app, settings.redis_url)
    app.extensions["citybot.understanding"] = build_understanding(settings, queues)

    from bot import cli, health
    from bot.webhooks import wechat

    app.register_blueprint(health.bp)
    app.register_blueprint(wechat.bp)
    cli.init_app(app)
    return app
