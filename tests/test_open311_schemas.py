"""Every JSON answer of ``/open311/v2/`` validated against the GeoReport v2 JSON Schemas written from the
specification (``tests/fixtures/open311/``, test data), with datetimes that carry their time zone."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.open311 import BASE, make_key, post_request

SCHEMAS = Path(__file__).parent / "fixtures" / "open311"


def check(name: str, body: object) -> None:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(body)


def test_the_schemas_refuse_what_the_specification_forbids():
    with pytest.raises(jsonschema.ValidationError):  # a datetime without its time zone
        check("service_requests", [{"service_request_id": "1", "status": "open", "service_code": "1", "description": "",
                                    "requested_datetime": "2026-11-24T09:00:00", "updated_datetime": None,
                                    "address": None, "lat": None, "long": None}])
    with pytest.raises(jsonschema.ValidationError):  # a numeric code
        check("services", [{"service_code": 1, "service_name": "x", "description": "", "metadata": False,
                            "type": "realtime", "keywords": "", "group": ""}])


def test_every_json_answer_matches_the_specification(app, client, run_worker):
    key = make_key(app)
    created = post_request(client, key).get_json()
    check("post_service_request", created)
    number, token = created[0]["service_request_id"], created[0]["token"]
    run_worker()
    answers = {
        "discovery": client.get(f"{BASE}/discovery.json"),
        "services": client.get(f"{BASE}/services.json"),
        "service_definition": client.get(f"{BASE}/services/E0510.json"),
        "token": client.get(f"{BASE}/tokens/{token}.json"),
    }
    for name, response in answers.items():
        assert response.status_code == 200 and response.content_type == "application/json; charset=utf-8"
        check(name, response.get_json())
    for params in ({}, {"extensions": "true"}, {"status": "open"}, {"service_request_id": number}):
        listed = client.get(f"{BASE}/requests.json", query_string=params)
        check("service_requests", listed.get_json())
        assert listed.get_json(), params
    check("service_requests", client.get(f"{BASE}/requests/{number}.json", query_string={"extensions": "true"}).get_json())
    for refused in (post_request(client, None), post_request(client, key, service_code="X"),
                    client.get(f"{BASE}/requests/nope.json"), client.get(f"{BASE}/requests.json?status=x"),
                    client.get(f"{BASE}/nothing.json")):
        assert refused.status_code in (400, 403, 404)
        check("errors", refused.get_json())
