"""Ids beyond the database's integer range name nothing: 404 or a field error, never a 500."""

from __future__ import annotations

import pytest

from tests import builders

HUGE = 2**63 + 5


@pytest.mark.parametrize(
    "path",
    [
        f"/org/units/{HUGE}",
        f"/org/posts/{HUGE}",
        f"/org/people/{HUGE}",
        f"/org/units/{HUGE}/edit",
        f"/org/holdings/{HUGE}/end",
        f"/org/posts?unit_id={HUGE}",
        f"/org/units/{2**31}",
    ],
)
def test_huge_ids_in_urls_are_404(client, auth, admin, path):
    auth.login(admin.email)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "query", [f"object_id={HUGE}", f"object_id={2**31}", "cursor=WzkyMjMzNzIwMzY4NTQ3NzU4MTNd"]
)
def test_huge_values_in_audit_filters_do_not_fail(client, auth, admin, query):
    auth.login(admin.email)
    assert client.get(f"/admin/audit?{query}").status_code == 200


def test_huge_parent_on_the_unit_form_is_a_field_error(client, auth, admin):
    auth.login(admin.email)
    token = auth.csrf("/org/units/new")
    response = client.post(
        "/org/units/new",
        data={"name": "甲", "code": "A", "parent_id": str(HUGE), "csrf_token": token},
    )
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)


def test_huge_ids_in_service_input_are_field_errors(app):
    from safety.services import org
    from safety.services.errors import ValidationError
    from tests.builders import NOW

    with pytest.raises(ValidationError) as caught:
        org.create_unit(builders.actor(), name="甲", code="A", parent_id=HUGE, now=NOW)
    assert "parent_id" in caught.value.fields


def test_forged_people_cursor_with_a_huge_id_starts_over(client, auth, admin):
    import base64
    import json

    auth.login(admin.email)
    cursor = base64.urlsafe_b64encode(json.dumps(["甲", HUGE]).encode()).decode().rstrip("=")
    assert client.get(f"/org/people?cursor={cursor}").status_code == 200
