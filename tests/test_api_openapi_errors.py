"""The OpenAPI document describes what is served: error envelope, funds as a string."""

from __future__ import annotations

from typing import Any

from tests import builders


def _resolve(doc: dict, ref_or_obj: dict) -> dict:
    while "$ref" in ref_or_obj:
        parts = ref_or_obj["$ref"].lstrip("#/").split("/")
        node: Any = doc
        for part in parts:
            node = node[part]
        ref_or_obj = node
    return ref_or_obj


def test_every_documented_error_is_the_error_envelope(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in operation["responses"].items():
                if status.startswith(("2", "3")):
                    continue
                response = _resolve(doc, response)
                schema = _resolve(doc, response["content"]["application/json"]["schema"])
                assert list(schema["properties"]) == ["error"], (path, method, status)
                body = _resolve(doc, schema["properties"]["error"])
                assert {"code", "message", "fields"} <= set(body["properties"])
                checked += 1
    assert checked > 20


def test_funds_is_documented_as_the_string_it_is(app: Any, api: Any) -> None:
    hazard = builders.make_hazard("rectifying")
    api.login(builders.actor().email)
    served = api.get(f"/hazards/{hazard.id}").get_json()["funds"]
    assert isinstance(served, str)
    doc = api.get("/openapi.json").get_json()
    for name in ("Hazard", "HazardDetail"):
        assert doc["components"]["schemas"][name]["properties"]["funds"]["type"] == "string"


def test_a_real_error_matches_the_documented_envelope(app: Any, api: Any) -> None:
    api.login(builders.actor().email)
    body = api.post("/units", json={"name": ""}).get_json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
