"""A property-based run of ``schemathesis`` against our own OpenAPI description (``/open311/v2/openapi.json``),
over real HTTP to a live test server: whatever the generated parameters, no answer is a server error, every
status and content type is one the description declares, and JSON bodies match its schemas. Half the POSTs
carry a valid key, so the rules behind the key are reached too.

(schemathesis' own pytest loader, ``from_fixture``, does not run under this pytest version, so each operation's
hypothesis strategy is driven here directly.)"""

from __future__ import annotations

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from tests.open311 import MARKET_WGS84, make_key

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_no_server_errors_anywhere(app, live_url):
    key = make_key(app)
    schema = schemathesis.openapi.from_url(f"{live_url}/open311/v2/openapi.json")
    session = requests.Session()
    seen: dict[str, set[int]] = {}

    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case) -> None:  # noqa: ANN001
            if case.method == "POST" and isinstance(case.body, dict) and len(str(case.body)) % 2:
                case.body["api_key"] = key
                if len(str(case.body)) % 3 == 0:  # and a third of those a known service at a known place
                    case.body.update(service_code="E0510", lat=f"{MARKET_WGS84[0]}", long=f"{MARKET_WGS84[1]}")
                    case.body.pop("address_string", None)
            response = case.call_and_validate(session=session, checks=CHECKS)
            seen.setdefault(f"{case.method} {case.operation.path}", set()).add(response.status_code)

        run()
    assert len(seen) == 7, seen
    assert {200, 400} <= seen["GET /requests.{format}"] and {200, 400, 403} <= seen["POST /requests.{format}"], seen
