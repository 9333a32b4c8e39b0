"""WSGI entry point: ``gunicorn -c python:bot.gunicorn_conf bot.wsgi:app`` (works from an installed package)."""

from bot import create_app

app = create_app()
app.extensions["citybot.services"].understanding.classifier  # noqa: B018 - warm before gunicorn forks
