"""Our API clients: one small typed method per WeChat call the service makes.

``OfficialAccountClient`` (公众号: residents) and ``WeWorkClient`` (企业微信 app: squads) each hold a
``PlatformApi``, which gives every call, the token call and media downloads included:

* the configured base URL (``WECHAT_API_BASE_URL`` / ``WEWORK_API_BASE_URL``) and an HTTP timeout;
* the access token shared through Redis under a lock (``TokenCache``; the official account uses
  ``stable_token``, so a refresh never breaks another process's token);
* one refresh and one retry after an invalid-token answer (40001 …), never a loop;
* every failure as ``WeChatAPIError``, whose ``transient`` tells jobs whether to retry.

We no longer go through wechatpy's clients: they are untyped (mypy accepted any call), and each of
their parts we relied on had a gap to override (token URL, token storage and lock, timeouts,
unbounded retry, WeChat Work's ``media.download`` ignoring the base URL). What remained was
encoding a JSON body, done here in one place. wechatpy still does signatures and AES
(``bot.wechat.envelope``).
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import redis
import requests

from bot.config import Settings
from bot.wechat.errors import TOKEN_ERRCODES, MediaTooLarge, WeChatAPIError, classify_errcode
from bot.wechat.tokens import TokenCache

T = TypeVar("T")
# WeChat Work's longest duplicate-check interval (4 hours): longer than all of a send job's retries.
DUPLICATE_CHECK_SECONDS = 4 * 3600
# A template message's fields: {"keyword1": {"value": "…"}, …} (``color`` is optional).
TemplateData = dict[str, dict[str, str]]


class MediaFile(NamedTuple):
    content: bytes
    content_type: str


# Mass sending (群发) limits WeChat documents: openids per ``message/mass/send`` call, per tagging call.
MASS_SEND_MIN, MASS_SEND_MAX = 2, 10_000
TAGGING_BATCH = 50
CLIENTMSGID_EXISTS = 45065  # a job with this clientmsgid exists: WeChat answers with that job's msg_id


@dataclass(frozen=True)
class MassMessage:
    """A mass message's content: a text, or an image (permanent material) with its text as 推荐语."""

    text: str
    image_media_id: str | None = None

    def body(self) -> dict[str, Any]:
        if self.image_media_id is None:
            return {"msgtype": "text", "text": {"content": self.text}}
        return {"msgtype": "image", "images": {"media_ids": [self.image_media_id], "recommend": self.text,
                                               "need_open_comment": 0, "only_fans_can_comment": 0}}


@dataclass(frozen=True)
class MassSent:
    """WeChat accepted a mass-send job (``repeated``: an earlier call with the same clientmsgid had)."""

    msg_id: str
    msg_data_id: str | None
    repeated: bool = False


class OfficialAccountClient:
    """The official account: customer-service and template messages to residents, and their media."""

    def __init__(self, settings: Settings, connection: redis.Redis) -> None:
        self.appid = settings.wechat_appid
        self._secret = settings.wechat_secret
        self._api = PlatformApi(settings.wechat_api_base_url, settings.wechat_http_timeout,
                                TokenCache(connection, f"wechat:{self.appid}", self._fetch_token))

    def send_text(self, openid: str, text: str) -> None:
        """A customer-service text message (only within 48 hours of the resident's last message)."""
        self._api.post("/cgi-bin/message/custom/send",
                       {"touser": openid, "msgtype": "text", "text": {"content": text}})

    def send_image(self, openid: str, media_id: str) -> None:
        """A customer-service image message; ``media_id`` from ``upload_image``."""
        self._api.post("/cgi-bin/message/custom/send",
                       {"touser": openid, "msgtype": "image", "image": {"media_id": media_id}})

    def send_template(self, openid: str, template_id: str, data: TemplateData, url: str = "") -> None:
        """A template message (allowed outside the 48-hour window); ``url``: where tapping it leads."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": data}
        if url:
            body["url"] = url
        self._api.post("/cgi-bin/message/template/send", body)

    def send_subscribe(self, openid: str, template_id: str, data: TemplateData, page: str = "") -> None:
        """A subscription message (订阅通知, ``message/subscribe/bizsend``) to a resident who accepted it."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": data}
        if page:
            body["page"] = page
        self._api.post("/cgi-bin/message/subscribe/bizsend", body)

    def upload_image(self, path: Path) -> str:
        """Upload a stored photo as temporary media (kept 3 days by WeChat) and return its media_id."""
        media = (path.name, path.read_bytes(), mimetypes.guess_type(path.name)[0] or "image/jpeg")
        result = self._api.post("/cgi-bin/media/upload", params={"type": "image"}, files={"media": media})
        return str(result["media_id"])

    def download_media(self, media_id: str, *, max_bytes: int) -> MediaFile:
        """A resident's temporary media (photo, voice), refusing more than ``max_bytes``."""
        return self._api.download("/cgi-bin/media/get", media_id, max_bytes)

    # -- mass sending (群发) and user tags ---------------------------------------------------------
    def add_image_material(self, path: Path) -> str:
        """Upload an image as permanent material (mass messages need it) and return its media_id."""
        media = (path.name, path.read_bytes(), mimetypes.guess_type(path.name)[0] or "image/jpeg")
        result = self._api.post("/cgi-bin/material/add_material", params={"type": "image"}, files={"media": media})
        return str(result["media_id"])

    def create_tag(self, name: str) -> int:
        """``tags/create``: a user tag (at most 30 characters), its id."""
        return int(self._api.post("/cgi-bin/tags/create", {"tag": {"name": name}})["tag"]["id"])

    def tag_users(self, tag_id: int, openids: Sequence[str]) -> int:
        """``tags/members/batchtagging`` in batches of 50; the number of calls made."""
        return self._batch_tagging("/cgi-bin/tags/members/batchtagging", tag_id, openids)

    def untag_users(self, tag_id: int, openids: Sequence[str]) -> int:
        """``tags/members/batchuntagging`` in batches of 50; the number of calls made."""
        return self._batch_tagging("/cgi-bin/tags/members/batchuntagging", tag_id, openids)

    def _batch_tagging(self, path: str, tag_id: int, openids: Sequence[str]) -> int:
        calls = 0
        for start in range(0, len(openids), TAGGING_BATCH):
            self._api.post(path, {"openid_list": list(openids[start:start + TAGGING_BATCH]), "tagid": tag_id})
            calls += 1
        return calls

    def mass_send_all(self, message: MassMessage, clientmsgid: str, *, tag_id: int | None = None) -> MassSent:
        """``message/mass/sendall`` to every follower, or to one tag.

        The filter carries ``tag_id``: wechatpy 1.8.18 still sends the old ``group_id``, which WeChat ignores.
        """
        target = {"is_to_all": True} if tag_id is None else {"is_to_all": False, "tag_id": tag_id}
        return self._mass("/cgi-bin/message/mass/sendall", {"filter": target, **message.body()}, clientmsgid)

    def mass_send(self, openids: Sequence[str], message: MassMessage, clientmsgid: str) -> MassSent:
        """``message/mass/send`` to one list of 2 to 10,000 openids (callers split larger audiences)."""
        if not MASS_SEND_MIN <= len(openids) <= MASS_SEND_MAX:
            raise ValueError(f"a mass send takes {MASS_SEND_MIN} to {MASS_SEND_MAX} openids, not {len(openids)}")
        return self._mass("/cgi-bin/message/mass/send", {"touser": list(openids), **message.body()}, clientmsgid)

    def mass_preview(self, openid: str, message: MassMessage) -> None:
        """``message/mass/preview``: the message to one person (a staff member), not counted by WeChat."""
        self._api.post("/cgi-bin/message/mass/preview", {"touser": openid, **message.body()})

    def _mass(self, path: str, body: dict[str, Any], clientmsgid: str) -> MassSent:
        result = self._api.post(path, {**body, "clientmsgid": clientmsgid}, accept=frozenset({CLIENTMSGID_EXISTS}))
        data_id = result.get("msg_data_id")
        return MassSent(str(result["msg_id"]), str(data_id) if data_id is not None else None,
                        repeated=int(result.get("errcode") or 0) == CLIENTMSGID_EXISTS)

    def _fetch_token(self) -> tuple[str, int]:
        """stable_token: the same token for every caller while it is valid."""
        return self._api.fetch_token("POST", "/cgi-bin/stable_token", json={
            "grant_type": "client_credential", "appid": self.appid, "secret": self._secret, "force_refresh": False})


class WeWorkClient:
    """The WeChat Work app: messages (cards) to squads and their members, and members' media."""

    def __init__(self, settings: Settings, connection: redis.Redis) -> None:
        self.corp_id = settings.wework_corp_id
        self.agent_id = int(settings.wework_agent_id)
        self._secret = settings.wework_secret
        self._api = PlatformApi(settings.wework_api_base_url, settings.wechat_http_timeout,
                                TokenCache(connection, f"wework:{self.corp_id}:{self.agent_id}", self._fetch_token))

    def send(self, message: Mapping[str, Any], *, party: str | None = None, users: list[str] | None = None,
             once: bool = False) -> None:
        """message/send to a department (a squad, id as a string) and/or members.

        ``message`` is the ``msgtype`` and its content, e.g. ``{"msgtype": "textcard", "textcard": {…}}``.
        ``once``: WeChat Work's duplicate check, so that a retry after a timeout (the first try may have
        arrived) is not delivered twice: the same content to the same receivers within
        ``DUPLICATE_CHECK_SECONDS`` is sent once.
        """
        if not party and not users:
            raise ValueError("a WeChat Work message needs a party or users")
        check = {"enable_duplicate_check": 1, "duplicate_check_interval": DUPLICATE_CHECK_SECONDS} if once else {}
        self._api.post("/cgi-bin/message/send", {"touser": "|".join(users or []), "toparty": party or "",
                                                 "agentid": self.agent_id, **message, **check})

    def upload_file(self, filename: str, content: bytes, content_type: str = "application/octet-stream") -> str:
        """Upload a file as temporary media (``media/upload`` type=file, kept 3 days); its media_id.

        ``filename`` is the name members see on the file message."""
        result = self._api.post("/cgi-bin/media/upload", params={"type": "file"},
                                files={"media": (filename, content, content_type)})
        return str(result["media_id"])

    def update_card(self, response_code: str, replace_name: str, *, users: list[str] | None = None) -> None:
        """message/update_template_card: a clicked button card's buttons become one disabled button saying
        ``replace_name``, for ``users`` or (None) everyone who received the card. ``response_code`` comes with
        the click: single use, valid 72 hours."""
        body: dict[str, Any] = {"agentid": self.agent_id, "response_code": response_code,
                                "button": {"replace_name": replace_name}}
        if users:
            body["userids"] = users
        else:
            body["atall"] = 1
        self._api.post("/cgi-bin/message/update_template_card", body)

    def user_of_code(self, code: str) -> str | None:
        """OAuth: the member's userid for a ``code`` from ``/connect/oauth2/authorize`` (single use, 5 minutes);
        None for someone who is not a member of the corp (WeChat Work then answers an openid)."""
        result = self._api.get("/cgi-bin/auth/getuserinfo", {"code": code})
        userid = result.get("userid") or result.get("UserId")
        return str(userid) if userid else None

    def download_media(self, media_id: str, *, max_bytes: int) -> MediaFile:
        """A member's temporary media (photo, voice), refusing more than ``max_bytes``."""
        return self._api.download("/cgi-bin/media/get", media_id, max_bytes)

    def _fetch_token(self) -> tuple[str, int]:
        return self._api.fetch_token("GET", "/cgi-bin/gettoken", params={"corpid": self.corp_id,
                                                                         "corpsecret": self._secret})


class PlatformApi:
    """One platform's HTTP API: base URL, timeout, shared token with one retry, errors as ``WeChatAPIError``."""

    def __init__(self, base_url: str, timeout: float, tokens: TokenCache) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.tokens = tokens
        self._http = requests.Session()

    def fetch_token(self, method: str, path: str, **request: Any) -> tuple[str, int]:
        """A token call (``TokenCache``'s fetch): (access_token, expires_in)."""
        result = _result(self._request(method, path, **request))
        return str(result["access_token"]), int(result.get("expires_in", 7200))

    def post(self, path: str, body: dict[str, Any] | None = None, *, params: Mapping[str, str] | None = None,
             files: Mapping[str, tuple[str, bytes, str]] | None = None,
             accept: frozenset[int] = frozenset()) -> dict[str, Any]:
        """POST a JSON body (UTF-8, not \\u-escaped: WeChat would show the escapes) or files; the answer.

        An answer with an errcode in ``accept`` is returned rather than raised (it carries data).
        """
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        headers = {"Content-Type": "application/json; charset=utf-8"} if body is not None else None

        def attempt(token: str) -> dict[str, Any]:
            return _result(self._request("POST", path, params={**(params or {}), "access_token": token},
                                         data=data, files=files, headers=headers), accept)

        return self._with_token(attempt)

    def get(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        """GET with the shared token; the JSON answer."""
        return self._with_token(lambda token: _result(self._request("GET", path,
                                                                    params={**params, "access_token": token})))

    def download(self, path: str, media_id: str, max_bytes: int) -> MediaFile:
        def attempt(token: str) -> MediaFile:
            res = self._request("GET", path, params={"access_token": token, "media_id": media_id}, stream=True)
            with res:
                content_type = res.headers.get("Content-Type", "")
                if "json" in content_type or "text/plain" in content_type:  # an error, not the file
                    _result(res)
                    raise WeChatAPIError(None, f"{path} answered JSON without an errcode", transient=False)
                try:
                    return MediaFile(_read_limited(res, max_bytes), content_type)
                except requests.RequestException as exc:
                    raise _network_error(exc) from exc

        return self._with_token(attempt)

    def _with_token(self, attempt: Callable[[str], T]) -> T:
        """Run ``attempt`` with the shared token; if the token is refused, refresh it and run it once more."""
        token = self.tokens.get()
        try:
            return attempt(token)
        except WeChatAPIError as exc:
            if exc.errcode not in TOKEN_ERRCODES:
                raise
        return attempt(self.tokens.refresh(stale=token))

    def _request(self, method: str, path: str, **request: Any) -> requests.Response:
        try:
            res = self._http.request(method, f"{self.base_url}{path}", timeout=self.timeout, **request)
        except requests.RequestException as exc:  # timeouts, refused connections
            raise _network_error(exc) from exc
        if not res.ok:
            res.close()
            raise WeChatAPIError(None, f"HTTP {res.status_code} from {path}", transient=True)
        return res


def _result(res: requests.Response, accept: frozenset[int] = frozenset()) -> dict[str, Any]:
    """The JSON answer, or the error it reports (``errcode`` 0 or absent, or one in ``accept``, means an answer)."""
    try:
        result = res.json()
    except ValueError as exc:
        raise WeChatAPIError(None, f"not a JSON answer: {exc}", transient=True) from exc
    if not isinstance(result, dict):
        raise WeChatAPIError(None, f"unexpected answer: {result!r:.100}", transient=True)
    errcode = int(result.get("errcode") or 0)
    if errcode and errcode not in accept:
        raise classify_errcode(errcode, str(result.get("errmsg", "")))
    return result


def _network_error(exc: requests.RequestException) -> WeChatAPIError:
    return WeChatAPIError(None, f"{type(exc).__name__}: {exc}", transient=True)


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
