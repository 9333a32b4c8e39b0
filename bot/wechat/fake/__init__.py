"""A fake WeChat platform speaking the real HTTP protocol on a local port (tests and simulator)."""

from bot.wechat.fake.app import create_fake_platform

__all__ = ["create_fake_platform"]
