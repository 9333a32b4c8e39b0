"""Our official-account client: wechatpy's ``WeChatClient`` with its gaps closed.

* every call (the token call included) goes to ``WECHAT_API_BASE_URL`` and has a timeout;
* the access token is shared through Redis under a lock (``TokenCache``);
* an invalid-token answer (40001 …) refreshes once and retries once: never an unbounded loop;
* media downloads stream with a size limit.
"""

from __future__ import annotations

import redis
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.config import Settings
from bot.wechat.errors import TOKEN_ERRCODES, MediaTooLarge, WeChatAPIError, classify_errcode
from bot.wechat.tokens import TokenCache

MAX_TOKEN_RETRIES = 1


class OfficialAccountClient(WeChatClient):
    def __init__(self, settings: Settings, connection: redis.Redis) -> None:
        super().__init__(
            settings.wechat_appid,
            settings.wechat_secret,
            timeout=settings.wechat_http_timeout,
            auto_retry=False,  # we retry ourselves, boundedly (see _request)
        )
        self.base_url = settings.wechat_api_base_url
        self.API_BASE_URL = f"{self.base_url}/cgi-bin/"
        self.tokens = TokenCache(connection, f"wechat:{settings.wechat_appid}", self._fetch_token)

    # -- tokens -------------------------------------------------------------------------------
    @property
    def access_token(self) -> str:  # type: ignore[override]
        return self.tokens.get()

    def fetch_access_token(self) -> dict:
        token = self.tokens.refresh(stale=self.tokens.get())
        return {"access_token": token}

    def _fetch_token(self, force: bool) -> tuple[str, int]:
        """stable_token: the same token for every caller, so refreshing never breaks another."""
        try:
            res = self._http.post(
                f"{self.base_url}/cgi-bin/stable_token",
                json={
                    "grant_type": "client_credential",
                    "appid": self.appid,
                    "secret": self.secret,
                    "force_refresh": force,
                },
                timeout=self.timeout,
            )
            res.raise_for_status()
            result = res.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeChatAPIError(None, f"token call failed: {exc}", transient=True) from exc
        if result.get("errcode"):
            raise classify_errcode(int(result["errcode"]), result.get("errmsg", ""))
        return result["access_token"], int(result.get("expires_in", 7200))

    # -- every call ---------------------------------------------------------------------------
    def _request(self, method: str, url_or_endpoint: str, **kwargs):  # noqa: ANN003, ANN202
        for attempt in range(MAX_TOKEN_RETRIES + 1):
            token = self.tokens.get()
            call = dict(kwargs, params={**(kwargs.get("params") or {}), "access_token": token})
            try:
                return super()._request(method, url_or_endpoint, **call)
            except WeChatClientException as exc:
                if exc.errcode in TOKEN_ERRCODES and attempt < MAX_TOKEN_RETRIES:
                    self.tokens.refresh(stale=token, force=attempt > 0)
                    continue
                if exc.errcode is None:  # HTTP-level failure (5xx, …)
                    raise WeChatAPIError(None, str(exc), transient=True) from exc
                raise classify_errcode(exc.errcode, exc.errmsg) from exc
            except requests.RequestException as exc:  # timeouts, refused connections
                raise WeChatAPIError(None, f"{type(exc).__name__}: {exc}", transient=True) from exc
        raise AssertionError("unreachable")

    def download_media(self, media_id: str, max_bytes: int) -> tuple[bytes, str]:
        """Temporary media (photos, voice) as (bytes, content type), refusing more than max_bytes."""
        for attempt in range(MAX_TOKEN_RETRIES + 1):
            token = self.tokens.get()
            try:
                res = self._http.get(
                    f"{self.base_url}/cgi-bin/media/get",
                    params={"access_token": token, "media_id": media_id},
                    timeout=self.timeout,
                    stream=True,
                )
                if res.status_code >= 500:
                    raise WeChatAPIError(None, f"HTTP {res.status_code}", transient=True)
                content_type = res.headers.get("Content-Type", "")
                if "json" in content_type or "text/plain" in content_type:
                    result = res.json()
                    errcode = int(result.get("errcode", -1))
                    if errcode in TOKEN_ERRCODES and attempt < MAX_TOKEN_RETRIES:
                        self.tokens.refresh(stale=token)
                        continue
                    raise classify_errcode(errcode, result.get("errmsg", ""))
                return _read_limited(res, max_bytes), content_type
            except requests.RequestException as exc:
                raise WeChatAPIError(None, f"{type(exc).__name__}: {exc}", transient=True) from exc
        raise AssertionError("unreachable")


def _read_limited(res: requests.Response, max_bytes: int) -> bytes:
    declared = res.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise MediaTooLarge(f"{declared} bytes declared, limit {max_bytes}")
    chunks, size = [], 0
    for chunk in res.iter_content(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise MediaTooLarge(f"more than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
