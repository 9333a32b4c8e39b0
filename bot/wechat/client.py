"""Our API clients: wechatpy's official-account and WeChat Work clients with their gaps closed.

* every call (the token call and media downloads included) goes to the configured base URL
  (``WECHAT_API_BASE_URL`` / ``WEWORK_API_BASE_URL``) with a timeout; wechatpy hard-codes the
  token URL and WeChat Work's ``media.download`` bypasses the base URL, so we use neither;
* the access token is shared through Redis under a lock (``TokenCache``);
* an invalid-token answer (40001 …) refreshes once and retries once: never an unbounded loop;
* failures become ``WeChatAPIError`` with ``transient`` telling jobs whether to retry.
"""

from __future__ import annotations

import redis
import requests
from wechatpy import WeChatClient
from wechatpy.enterprise import WeChatClient as WeChatWorkClient
from wechatpy.exceptions import WeChatClientException

from bot.config import Settings
from bot.wechat.errors import TOKEN_ERRCODES, MediaTooLarge, WeChatAPIError, classify_errcode
from bot.wechat.tokens import TokenCache

MAX_TOKEN_RETRIES = 1


class SharedTokenMixin:
    """The parts both clients share; subclasses set ``base_url``, ``tokens`` and ``_fetch_token``."""

    base_url: str
    tokens: TokenCache
    timeout: float
    _http: requests.Session

    @property
    def access_token(self) -> str:
        return self.tokens.get()

    def fetch_access_token(self) -> dict:
        return {"access_token": self.tokens.refresh(stale=self.tokens.get())}

    def _token_call(self, method: str, path: str, **kwargs) -> tuple[str, int]:  # noqa: ANN003
        try:
            res = self._http.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)
            res.raise_for_status()
            result = res.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeChatAPIError(None, f"token call failed: {exc}", transient=True) from exc
        if result.get("errcode"):
            raise classify_errcode(int(result["errcode"]), result.get("errmsg", ""))
        return result["access_token"], int(result.get("expires_in", 7200))

    def _request(self, method: str, url_or_endpoint: str, **kwargs):  # noqa: ANN003, ANN202
        for attempt in range(MAX_TOKEN_RETRIES + 1):
            token = self.tokens.get()
            call = dict(kwargs, params={**(kwargs.get("params") or {}), "access_token": token})
            try:
                return super()._request(method, url_or_endpoint, **call)  # type: ignore[misc]
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
                res = self._http.get(f"{self.base_url}/cgi-bin/media/get",
                                     params={"access_token": token, "media_id": media_id},
                                     timeout=self.timeout, stream=True)
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


class OfficialAccountClient(SharedTokenMixin, WeChatClient):
    def __init__(self, settings: Settings, connection: redis.Redis) -> None:
        super().__init__(settings.wechat_appid, settings.wechat_secret, timeout=settings.wechat_http_timeout,
                         auto_retry=False)
        self.base_url = settings.wechat_api_base_url
        self.API_BASE_URL = f"{self.base_url}/cgi-bin/"
        self.tokens = TokenCache(connection, f"wechat:{settings.wechat_appid}", self._fetch_token)

    def _fetch_token(self, force: bool) -> tuple[str, int]:
        """stable_token: the same token for every caller, so refreshing never breaks another."""
        return self._token_call("POST", "/cgi-bin/stable_token", json={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret, "force_refresh": force})


class WeWorkClient(SharedTokenMixin, WeChatWorkClient):
    def __init__(self, settings: Settings, connection: redis.Redis) -> None:
        super().__init__(settings.wework_corp_id, settings.wework_secret, timeout=settings.wechat_http_timeout,
                         auto_retry=False)
        self.agent_id = int(settings.wework_agent_id)
        self.base_url = settings.wework_api_base_url
        self.API_BASE_URL = f"{self.base_url}/cgi-bin/"
        self.tokens = TokenCache(connection, f"wework:{settings.wework_corp_id}:{settings.wework_agent_id}",
                                 self._fetch_token)

    def _fetch_token(self, force: bool) -> tuple[str, int]:
        return self._token_call("GET", "/cgi-bin/gettoken", params={"corpid": self.corp_id,
                                                                    "corpsecret": self.secret})

    def send(self, *, users: list[str] | None = None, party: str | None = None, msg: dict) -> dict:
        """message/send to members and/or a department (ids as strings, as the API wants)."""
        return self.message.send(self.agent_id, users or "", party_ids=party or "", msg=msg)


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
