"""Access tokens shared by every process through Redis, refreshed by one process at a time.

wechatpy keeps the expiry in process memory and refreshes without a lock, so N gunicorn workers
and M RQ workers would each fetch a token and invalidate the others'. Here the token lives in
Redis with a TTL, and a Redis lock makes one process fetch while the rest wait and reuse it.
"""

from __future__ import annotations

from collections.abc import Callable

import redis

from bot.core.redis_values import reply_bytes

REFRESH_MARGIN = 300  # seconds before WeChat's expiry that we stop using a token


class TokenCache:
    def __init__(self, connection: redis.Redis, name: str, fetch: Callable[[], tuple[str, int]]) -> None:
        """``fetch()`` returns (token, expires_in) from the platform."""
        self.redis = connection
        self.key = f"citybot:token:{name}"
        self.lock_key = f"citybot:token-lock:{name}"
        self.fetch = fetch

    def get(self) -> str:
        token = reply_bytes(self.redis.get(self.key))
        return token.decode() if token else self.refresh(stale=None)

    def refresh(self, stale: str | None) -> str:
        """Fetch a new token unless another process already replaced ``stale`` meanwhile."""
        with self.redis.lock(self.lock_key, timeout=30, blocking_timeout=30):
            current = reply_bytes(self.redis.get(self.key))
            if current and current.decode() != stale:
                return current.decode()
            token, expires_in = self.fetch()
            self.redis.set(self.key, token, ex=max(expires_in - REFRESH_MARGIN, 60))
            return token
