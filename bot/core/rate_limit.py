"""WeChat Work's per-member limits, shared by every worker through Redis.

WeChat Work delivers at most 30 app messages a minute and 1000 an hour to one member, and silently drops
the rest (or answers 45009). Before a message goes out, ``reserve`` counts it for every member it reaches,
in fixed minute and hour windows, atomically (one Lua script); if one member has no room left, nothing is
counted and the caller learns how long to wait: the message waits, it is never dropped.
"""

from __future__ import annotations

import math

import redis

# KEYS: per member, its minute key then its hour key. ARGV: per_minute, per_hour, minute ttl, hour ttl.
# Returns 0 (counted), 1 (a minute window is full) or 2 (an hour window is full).
_RESERVE = """
for i = 1, #KEYS, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[1]) then return 1 end
  if tonumber(redis.call('GET', KEYS[i + 1]) or '0') >= tonumber(ARGV[2]) then return 2 end
end
for i = 1, #KEYS, 2 do
  redis.call('INCR', KEYS[i]); redis.call('EXPIRE', KEYS[i], ARGV[3])
  redis.call('INCR', KEYS[i + 1]); redis.call('EXPIRE', KEYS[i + 1], ARGV[4])
end
return 0
"""


class MemberRateLimiter:
    def __init__(self, connection: redis.Redis, per_minute: int, per_hour: int, prefix: str = "citybot:wework-rate"):
        self.connection = connection
        self.per_minute = per_minute
        self.per_hour = per_hour
        self.prefix = prefix

    def reserve(self, userids: list[str], now: float) -> float:
        """Count one message to each of ``userids`` and return 0, or count nothing and return the seconds
        until the window that is full ends (when the message may try again)."""
        if not userids:
            return 0.0
        minute, hour = int(now // 60), int(now // 3600)
        keys = []
        for userid in sorted(set(userids)):
            keys += [f"{self.prefix}:{userid}:m:{minute}", f"{self.prefix}:{userid}:h:{hour}"]
        full = int(self.connection.eval(_RESERVE, len(keys), *keys, self.per_minute, self.per_hour, 120, 7200))
        if full == 0:
            return 0.0
        window = 60 if full == 1 else 3600
        return math.ceil((now // window + 1) * window - now) or 1.0
