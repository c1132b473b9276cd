"""Out-of-range ids and racing duplicates get a 4xx, never a 500."""

from __future__ import annotations

import pytest

from tests import builders

HUGE = 2**40


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/units/{HUGE}",
        f"/api/v1/posts/{HUGE}",
        f"/api/v1/hazards/{HUGE}",
        f"/api/v1/posts/{HUGE}/holders",
    ],
)
def test_huge_id_in_api_url_is_404(api, admin, path):
    api.login(admin.email)
    assert api.get(path).status_code == 404


def test_huge_id_in_html_url_is_404(client, auth, admin):
    auth.login(admin.email)
    assert client.get(f"/hazards/{HUGE}").status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/units", {"name": "A", "code": "A", "parent_id": HUGE}, "parent_id"),
        ("/hazards", {"title": "t", "unit_id": HUGE, "level": "general"}, "unit_id"),
    ],
)
def test_huge_id_in_api_body_is_422(api, admin, path, body, field):
    api.login(admin.email)
    response = api.post(path, json=body)
    assert response.status_code == 422, response.get_json()


def test_database_refusal_maps_to_409_for_a_racing_duplicate(app, api, admin, monkeypatch):
    """Simulate the race: the service's duplicate check passes, the INSERT conflicts."""
    from safety.services import org

    builders.make_unit(code="RACE")
    monkeypatch.setattr(org, "exists", lambda stmt: False)
    api.login(admin.email)
    response = api.post("/units", json={"name": "B", "code": "RACE"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
