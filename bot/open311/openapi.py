"""The OpenAPI 3.0 description of ``/open311/v2/`` (served at ``/open311/v2/openapi.json``): the same
endpoints, parameters and JSON shapes the views answer, for client generators and ``schemathesis``."""

from __future__ import annotations

import json
from typing import Any

NULLABLE_STRING = {"type": "string", "nullable": True}
FORMAT = {"name": "format", "in": "path", "required": True, "schema": {"type": "string", "enum": ["json", "xml"]},
          "description": "json or xml (text/xml)"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


def _answer(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema},
                                                    "text/xml": {"schema": {"type": "string"}}}}


ERRORS = _answer(_list_of("Error"), "The specification's error list")
QUERY = [
    ("jurisdiction_id", "Accepted and ignored: this server serves one jurisdiction."),
    ("service_request_id", "Comma-separated case numbers; when given, the other filters are ignored."),
    ("service_code", "Comma-separated service codes."),
    ("start_date", "W3C datetime; with no end_date the window is 90 days from it."),
    ("end_date", "W3C datetime; with no start_date the window is the 90 days before it."),
    ("status", "open, closed, or both, comma-separated."),
    ("extensions", "true adds extended_attributes (state, unit, deadline, public notes)."),
]
FORM_FIELDS = ("api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id",
               "description", "media_url", "email", "device_id", "account_id", "first_name", "last_name", "phone")

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["code", "description"],
              "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}},
    "Discovery": {"type": "object", "required": ["changeset", "contact", "key_service", "endpoints"], "properties": {
        "changeset": {"type": "string"}, "contact": {"type": "string"}, "key_service": {"type": "string"},
        "endpoints": {"type": "array", "items": {"type": "object", "required": ["specification", "url", "type", "formats"],
                                                 "properties": {"specification": {"type": "string"}, "url": {"type": "string"},
                                                                "changeset": {"type": "string"}, "type": {"type": "string"},
                                                                "formats": {"type": "array", "items": {"type": "string"}}}}}}},
    "Service": {"type": "object", "required": ["service_code", "service_name", "metadata", "type"], "properties": {
        "service_code": {"type": "string"}, "service_name": {"type": "string"}, "description": {"type": "string"},
        "metadata": {"type": "boolean"}, "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
        "keywords": {"type": "string"}, "group": {"type": "string"}}},
    "ServiceDefinition": {"type": "object", "required": ["service_code", "attributes"], "properties": {
        "service_code": {"type": "string"}, "attributes": {"type": "array", "items": {"type": "object"}}}},
    "Created": {"type": "object", "required": ["service_request_id"], "properties": {
        "service_request_id": {"type": "string"}, "token": {"type": "string"}, "service_notice": NULLABLE_STRING,
        "account_id": NULLABLE_STRING}},
    "Token": {"type": "object", "required": ["service_request_id", "token"], "properties": {
        "service_request_id": {"type": "string"}, "token": {"type": "string"}}},
    "ServiceRequest": {"type": "object", "required": ["service_request_id", "status", "requested_datetime"], "properties": {
        "service_request_id": {"type": "string"}, "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": NULLABLE_STRING, "service_name": NULLABLE_STRING, "service_code": NULLABLE_STRING,
        "description": NULLABLE_STRING, "agency_responsible": NULLABLE_STRING, "service_notice": NULLABLE_STRING,
        "requested_datetime": {"type": "string", "format": "date-time"},
        "updated_datetime": {"type": "string", "format": "date-time", "nullable": True},
        "expected_datetime": {"type": "string", "format": "date-time", "nullable": True},
        "address": NULLABLE_STRING, "address_id": NULLABLE_STRING, "zipcode": NULLABLE_STRING,
        "lat": {"type": "number", "nullable": True}, "long": {"type": "number", "nullable": True},
        "media_url": NULLABLE_STRING, "extended_attributes": {"type": "object"}}},
}


def _get(summary: str, schema: dict[str, Any], parameters: list[dict[str, Any]], not_found: bool = False) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": _answer(schema, summary), "400": ERRORS, "429": ERRORS}
    if not_found:
        responses["404"] = ERRORS
    return {"get": {"summary": summary, "parameters": [*parameters, FORMAT], "responses": responses}}


def _path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": description}


def spec(server: str) -> dict[str, Any]:
    query = [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}, "description": d} for n, d in QUERY]
    paging = [{"name": n, "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}}
              for n in ("page", "page_size")]
    form = {"type": "object", "properties": {name: {"type": "string"} for name in FORM_FIELDS},
            "required": ["api_key", "service_code"]}
    requests_path = _get("Service requests (default: the last 90 days, at most 1000)", _list_of("ServiceRequest"),
                         query + paging)
    requests_path["post"] = {
        "summary": "Create a service request (the case); api_key required",
        "parameters": [FORMAT],
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": form}}},
        "responses": {"200": _answer(_list_of("Created"), "The case number (and a token)"), "400": ERRORS,
                      "403": ERRORS, "429": ERRORS}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "有问题发微信 — Open311 GeoReport v2", "version": "2",
                 "description": "GeoReport v2 (https://wiki.open311.org/GeoReport_v2): service requests enter the "
                                "bureau's case lifecycle. Datetimes carry their offset; lat/long are WGS-84."},
        "servers": [{"url": server + "/open311/v2"}],
        "paths": {
            "/discovery.{format}": _get("Service discovery", _ref("Discovery"), []),
            "/services.{format}": _get("Services: the bureau's categories", _list_of("Service"), []),
            "/services/{service_code}.{format}": _get("A service's attributes", _ref("ServiceDefinition"),
                                                      [_path("service_code", "A category code")], not_found=True),
            "/requests.{format}": requests_path,
            "/requests/{service_request_id}.{format}": _get(
                "One service request", _list_of("ServiceRequest"),
                [_path("service_request_id", "A case number"), query[-1]], not_found=True),
            "/tokens/{token}.{format}": _get("The case a token became", _list_of("Token"),
                                             [_path("token", "The token answered by POST")], not_found=True),
        },
        "components": {"schemas": SCHEMAS},
    }


def description(server: str) -> str:
    return json.dumps(spec(server), ensure_ascii=False)
