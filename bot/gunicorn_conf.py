"""gunicorn settings (the process count stays the operator's: ``gunicorn -c python:bot.gunicorn_conf -w N bot.wsgi:app``).

The app is built once in the master and forked (``preload_app``), so every worker starts with the
classifier already loaded (``bot/wsgi.py`` warms it): no resident waits for the model to load, and
the workers share its memory. Nothing connects at import, so forking is safe.
"""

worker_class = "gthread"
threads = 4
preload_app = True
timeout = 30
