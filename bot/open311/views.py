"""The GeoReport v2 endpoints (https://wiki.open311.org/GeoReport_v2), in ``.xml`` and ``.json``.

Rules beyond the specification's shapes: ``api_key`` is required to POST (403); errors are the specification's
error list with 400/403/404 (and 429 past the key's rate limit); ``extensions=true`` adds
``extended_attributes`` (our state, the unit, the deadline, the public notes of the timeline).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from bot import texts
from bot.accounts.api_keys import authenticate, digest
from bot.config import Settings
from bot.dispatch.errors import DomainError
from bot.dispatch.projection import MAX_RESULTS, Filters, PublicCase, public_case, public_cases
from bot.extensions import get_db
from bot.intake.contacts import BadReport, Person
from bot.intake.open311 import Submission, Submitted, submit
from bot.models import Case, Open311Token
from bot.open311.formats import errors, render, w3c
from bot.open311.openapi import description as openapi_description
from bot.services import get_services

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FMT = "<any(xml, json):fmt>"
CHANGESET = "2026-11-29T00:00:00+08:00"


class BadParameter(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _rate_key() -> str:
    """Limits count per API key (its digest: no key is kept in Redis), or per address without one."""
    key = request.values.get("api_key")
    return f"key:{digest(key)[:32]}" if key else f"addr:{get_remote_address()}"


def init_app(app: Flask, settings: Settings) -> None:
    url = settings.redis_url
    storage = "redis+unix://" + url[len("unix://"):] if url.startswith("unix://") else url
    limiter = Limiter(key_func=_rate_key, storage_uri=storage, strategy="fixed-window", headers_enabled=True,
                      swallow_errors=True, key_prefix="citybot:open311")
    limiter.limit(settings.open311_rate_limit)(bp)
    limiter.init_app(app)
    # Flask-Limiter checks every request of the app; only Open311's are limited, so the check runs for them
    # alone (the webhooks, which WeChat calls for every message, paid 4 % of their time for it).
    check = limiter._check_request_limit
    app.before_request_funcs[None].remove(check)
    app.before_request_funcs.setdefault(bp.name, []).append(check)
    app.register_blueprint(bp)


def _zone() -> Any:
    return get_services().deps.calendar.zone


def _local(moment: datetime | None) -> str | None:
    return w3c(moment.astimezone(_zone()) if moment else None)


def _fmt() -> str:
    return (request.view_args or {}).get("fmt") or ("xml" if request.path.endswith(".xml") else "json")


@bp.errorhandler(BadParameter)
def bad_parameter(error: BadParameter) -> Response:
    return errors(_fmt(), 400, error.message)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    status = error.code or 500
    return errors(_fmt(), status, texts.OPEN311_ERRORS.get(status, error.description or "error"))


@bp.route("/<path:_rest>", methods=["GET", "POST"])
def unknown(_rest: str) -> Response:
    return errors(_fmt(), 404, texts.OPEN311_ERRORS[404])


# -- discovery and services ----------------------------------------------------------------------------
@bp.get(f"/discovery.{FMT}")
def discovery(fmt: str) -> Response:
    endpoint = {"specification": "http://wiki.open311.org/GeoReport_v2", "url": request.url_root + "open311/v2",
                "changeset": CHANGESET, "type": "production", "formats": ["text/xml", "application/json"]}
    return render(fmt, "discovery", {"changeset": CHANGESET, "contact": texts.OPEN311_CONTACT,
                                     "key_service": texts.OPEN311_KEY_SERVICE, "endpoints": [endpoint]})


@bp.get(f"/services.{FMT}")
def services(fmt: str) -> Response:
    taxonomy = get_services().deps.taxonomy
    body = [{"service_code": c.code, "service_name": c.name, "description": c.name, "metadata": False,
             "type": "realtime", "keywords": ",".join(c.keywords), "group": taxonomy.big_class(c.code) or ""}
            for c in taxonomy.categories.values()]
    return render(fmt, "services", body)


@bp.get(f"/services/<code>.{FMT}")
def service_definition(code: str, fmt: str) -> Response:
    if code not in get_services().deps.taxonomy:
        return errors(fmt, 404, f"unknown service_code {code}")
    return render(fmt, "service_definition", {"service_code": code, "attributes": []})


# -- service requests ---------------------------------------------------------------------------------
def _param(name: str) -> str | None:
    value = request.values.get(name)
    return value if value is None else value.replace("\x00", "")


@bp.post(f"/requests.{FMT}")
def create_request(fmt: str) -> Response:
    session = get_db().session
    key = authenticate(session, _param("api_key"))
    if key is None:
        return errors(fmt, 403, texts.OPEN311_ERRORS[403])
    person = Person(phone=_param("phone"), email=_param("email"), first_name=_param("first_name"),
                    last_name=_param("last_name"), external_id=(_param("account_id") or "")[:128] or None)
    submission = Submission(_param("service_code"), _param("description"), _param("lat"), _param("long"),
                            _param("address_string"), _param("media_url"), person)
    try:
        done = submit(session, get_services().deps, key, submission)
        number, notice = done.opened.case.number, _notice(done)
        session.commit()
    except BadReport as error:
        session.rollback()
        return errors(fmt, 400, f"{error.field}: {error}")
    except DomainError as error:
        session.rollback()
        return errors(fmt, 400, str(error))
    return render(fmt, "service_requests", [{"service_request_id": number, "token": done.token,
                                             "service_notice": notice, "account_id": person.external_id}])


def _notice(done: Submitted) -> str:
    opened = done.opened
    if opened.merged_into is not None:
        return texts.OPEN311_NOTICE_MERGED.format(primary=opened.merged_into.number)
    if opened.unit_name:
        return texts.OPEN311_NOTICE_ROUTED.format(unit=opened.unit_name)
    return texts.OPEN311_NOTICE_RECEIVED


def _datetime(name: str) -> datetime | None:
    raw = (_param(name) or "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadParameter(f"{name} must be a W3C datetime such as 2026-11-24T09:00:00+08:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=_zone())


def _int(name: str, default: int, most: int) -> int:
    raw = (_param(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise BadParameter(f"{name} must be a whole number from 1 to {most}")
    return int(raw)


def _list(name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in (_param(name) or "").split(",") if v.strip()))


def _filters() -> Filters:
    statuses = _list("status")
    if any(s not in ("open", "closed") for s in statuses):
        raise BadParameter("status must be open, closed, or both (comma-separated)")
    start, end = _datetime("start_date"), _datetime("end_date")
    if start and end and start > end:
        raise BadParameter("start_date must not be after end_date")
    return Filters(numbers=_list("service_request_id"), codes=_list("service_code"), start=start, end=end,
                   statuses=statuses, page=_int("page", 1, 1_000_000), page_size=_int("page_size", MAX_RESULTS, MAX_RESULTS))


def _extended() -> bool:
    return (_param("extensions") or "").strip().lower() == "true"


def _record(case: PublicCase, extended: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        "service_request_id": case.number, "status": case.status, "status_notes": case.status_notes,
        "service_name": case.service_name, "service_code": case.service_code, "description": case.description,
        "agency_responsible": case.unit, "service_notice": None, "requested_datetime": _local(case.requested),
        "updated_datetime": _local(case.updated), "expected_datetime": _local(case.expected),
        "address": case.address, "address_id": None, "zipcode": None,
        "lat": round(case.lat, 6) if case.lat is not None else None,
        "long": round(case.lng, 6) if case.lng is not None else None, "media_url": None}
    if extended:
        record["extended_attributes"] = {
            "detailed_status": case.state.upper(), "status_descriptive_name": texts.STATE_LABELS.get(case.state, case.state),
            "group": case.group, "agency": case.unit, "deadline": _local(case.expected), "merged_into": case.merged_into,
            "notes": [{"datetime": _local(n.at), "type": n.action, "description": n.text} for n in case.notes]}
    return record


@bp.get(f"/requests.{FMT}")
def list_requests(fmt: str) -> Response:
    found = public_cases(get_db().session, get_services().deps.taxonomy, _filters(), get_services().deps.now())
    extended = _extended()
    return render(fmt, "service_requests", [_record(c, extended) for c in found])


@bp.get(f"/requests/<number>.{FMT}")
def one_request(number: str, fmt: str) -> Response:
    case = public_case(get_db().session, get_services().deps.taxonomy, number)
    if case is None:
        return errors(fmt, 404, f"no service request {number}")
    return render(fmt, "service_requests", [_record(case, _extended())])


@bp.get(f"/tokens/<token>.{FMT}")
def token(token: str, fmt: str) -> Response:
    session = get_db().session
    row = session.get(Open311Token, token) if len(token) <= 32 else None
    if row is None:
        return errors(fmt, 404, f"no token {token[:32]}")
    number = session.get_one(Case, row.case_id).number
    return render(fmt, "service_requests", [{"service_request_id": number, "token": token}])


@bp.get("/openapi.json")
def openapi() -> Response:
    return Response(openapi_description(request.url_root.rstrip("/")), content_type="application/json; charset=utf-8")
