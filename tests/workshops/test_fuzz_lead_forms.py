"""Fuzzing the lead's page and the staff's page for leads: whatever is posted, no server
error, and a refused post changes nothing."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_fuzz_forms import form_value
from tests.workshops.lead_scene import build_scene
from workshops.models import (
    AuditEntry,
    Indicator,
    IndicatorValue,
    Item,
    Lead,
    MeasureUpdate,
)
from workshops.services.indicators import define_indicator

FIELDS = [
    "action", "item", "measure", "indicator", "status", "progress", "text", "date", "value",
    "lead", "name", "contact", "email", "title", "unit", "baseline", "baseline_date",
    "target", "target_date", "due",
]  # fmt: skip
LEAD_ACTIONS = ["status", "update", "value"]
STAFF_ACTIONS = [
    "create", "edit", "issue", "revoke", "assign", "indicator", "remove_indicator", "report_due",
]  # fmt: skip


@pytest.fixture
def world(db, settings):
    settings.LEAD_CHANGES_PER_MINUTE = 0  # off: every example reaches the services
    scene = build_scene()
    indicator = define_indicator(
        actor=scene.staff, item=scene.schule, title="Schulen", baseline=3, target=12
    )
    staff = Client()
    staff.force_login(scene.staff.user)
    return {"scene": scene, "indicator": indicator, "staff": staff, "lead": Client()}


def fingerprint():
    return (
        list(Item.objects.order_by("pk").values("pk", "implementation", "progress", "lead_org")),
        list(Lead.objects.order_by("pk").values()),
        list(Indicator.objects.order_by("pk").values()),
        IndicatorValue.objects.count(),
        MeasureUpdate.objects.count(),
        AuditEntry.objects.count(),
    )


def _ids(world):
    scene = world["scene"]
    return [
        str(scene.schule.pk), str(scene.kurse.pk), str(world["indicator"].pk),
        str(scene.jugendamt.pk), str(scene.vhs.pk),
    ]  # fmt: skip


posts = st.dictionaries(st.sampled_from(FIELDS), form_value, max_size=8)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    staff=st.booleans(),
    data=posts,
    action=st.sampled_from(LEAD_ACTIONS + STAFF_ACTIONS) | form_value,
    pick=st.integers(min_value=0, max_value=4),
)
def test_any_post_gives_no_server_error_and_refusals_change_nothing(
    world, staff, data, action, pick
):
    scene = world["scene"]
    ids = _ids(world)
    # aim the numbers at real rows often, at others' rows as often
    data = {**data, "action": action}
    for key in ("item", "indicator", "lead"):
        if key in data and len(data) % 2:
            data[key] = ids[pick]
    if staff:
        client, path = world["staff"], f"/c/{scene.conference.slug}/leads/"
    else:
        client, path = world["lead"], f"/lead/{scene.jugendamt_token}/"
    before = fingerprint()
    response = client.post(path, data)
    assert response.status_code < 500
    body = response.content.decode()
    refused = response.status_code >= 400 or "message-error" in body
    if not staff and response.status_code == 302:
        refused = False
    if staff and response.status_code == 302:
        page = client.get(path).content.decode()
        refused = "message-error" in page
    if refused:
        assert fingerprint() == before, (action, data, response.status_code)
