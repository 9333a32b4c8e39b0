"""How a WeChat API failure should be treated: retry later, or give up now."""

from __future__ import annotations

# -1 system busy, 45009 daily quota reached (resets), 45011 frequency limit: all pass with time.
TRANSIENT_ERRCODES = frozenset({-1, 45009, 45011})
# Invalid / expired access token: refresh it (a bounded number of times) and retry the call.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})


class WeChatAPIError(Exception):
    def __init__(self, errcode: int | None, errmsg: str, *, transient: bool) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.transient = transient


class MediaTooLarge(Exception):
    """A download over the configured limit; never retried."""


def classify_errcode(errcode: int | None, errmsg: str = "") -> WeChatAPIError:
    return WeChatAPIError(errcode, errmsg, transient=errcode in TRANSIENT_ERRCODES)
