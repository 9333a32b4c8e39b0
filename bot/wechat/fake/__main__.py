"""``python -m bot.wechat.fake [--port 5001]``: serve the fake platform for the embedded profile."""

from __future__ import annotations

import argparse

from werkzeug.serving import run_simple

from bot.config import Settings
from bot.wechat.fake import create_fake_platform


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    args = parser.parse_args()
    settings = Settings.from_env()
    apps = {settings.wechat_appid: settings.wechat_secret}
    if settings.wework_corp_id:
        apps[settings.wework_corp_id] = settings.wework_secret
    fake = create_fake_platform(apps)
    # Card clicks are posted to the service's /wework, sealed with its token and key, as WeChat Work does.
    fake.extensions["fake_state"].callback.update(
        url=f"{settings.public_base_url}/wework", token=settings.wework_token, aes_key=settings.wework_aes_key,
        corp_id=settings.wework_corp_id, agent_id=settings.wework_agent_id)
    run_simple(args.host, args.port, fake, threaded=True)


if __name__ == "__main__":
    main()
