"""Indicators of adopted measures and their values: defined by staff, values added by
staff or the measure's lead; every refusal changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from tests.workshops.lead_scene import build_scene
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, Indicator, IndicatorValue
from workshops.services.indicators import (
    add_indicator_value,
    define_indicator,
    parse_date,
    parse_decimal,
    remove_indicator,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages are compared as written (the pages' tests read them in German)."""
    with translation.override("en"):
        yield


D = datetime.date


@pytest.fixture
def scene():
    return build_scene()


def _define(scene, item=None, **kw):
    args = dict(
        title="Teilnehmende pro Jahr",
        unit="Personen",
        baseline=Decimal("120"),
        baseline_date=D(2026, 1, 1),
        target=Decimal("300"),
        target_date=D(2027, 12, 31),
    )
    args.update(kw)
    return define_indicator(actor=scene.staff, item=item or scene.kurse, **args)


def _rows():
    return (
        list(Indicator.objects.values()),
        list(IndicatorValue.objects.values()),
        AuditEntry.objects.count(),
    )


def test_staff_define_an_indicator(scene):
    indicator = _define(scene)
    assert (indicator.baseline, indicator.target, indicator.unit) == (
        Decimal("120.00"),
        Decimal("300.00"),
        "Personen",
    )
    entry = AuditEntry.objects.get(action="forum.measure.indicator_added")
    assert entry.data["target_date"] == "2027-12-31" and entry.data["item"] == scene.kurse.pk


def test_a_target_date_before_the_baseline_date_is_refused(scene):
    before = _rows()
    with pytest.raises(ServiceError) as info:
        _define(scene, baseline_date=D(2027, 1, 1), target_date=D(2026, 12, 31))
    assert info.value.field == "target_date"
    assert str(info.value.message) == "The target date cannot lie before the baseline date."
    assert _rows() == before


def test_refused_indicators_change_nothing(scene):
    before = _rows()
    for kw in (
        dict(title=" "),
        dict(unit="x" * 41),
        dict(baseline="viel"),
        dict(target=Decimal("1e13")),
        dict(target=Decimal("NaN")),
        dict(item=scene.unadopted),
    ):
        with pytest.raises(ServiceError):
            _define(scene, **kw)
    with pytest.raises(ServiceError) as info:
        define_indicator(
            actor=Actor(lead=scene.vhs),
            item=scene.kurse,
            title="t",
            baseline=Decimal(1),
            target=Decimal(2),
        )
    assert info.value.code == "forbidden"
    assert _rows() == before


def test_the_lead_adds_values_to_its_indicators(scene):
    indicator = _define(scene)
    value = add_indicator_value(
        actor=Actor(lead=scene.vhs),
        indicator=indicator.pk,
        date=D(2026, 6, 30),
        value=Decimal("180.5"),
    )
    assert (value.value, value.lead, value.author_user) == (Decimal("180.50"), scene.vhs, None)
    entry = AuditEntry.objects.get(action="forum.measure.indicator_value_added")
    assert entry.data["lead"] == scene.vhs.pk and entry.data["amount"] == "180.50"
    staff_value = add_indicator_value(
        actor=scene.staff, indicator=indicator, date=D(2026, 9, 30), value=Decimal(200)
    )
    assert staff_value.author_user_id == scene.staff.user_id and staff_value.lead is None


def test_refused_values_change_nothing(scene):
    indicator = _define(scene)
    before = _rows()
    lead = Actor(lead=scene.vhs)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for kw, message in (
        (dict(date=None, value=Decimal(1)), "Please give the date of the value."),
        (dict(date=tomorrow, value=Decimal(1)), "A measured value cannot be dated in the future."),
        (dict(date=D(2026, 5, 1), value="12"), "The value must be a number."),
        (dict(date=D(2026, 5, 1), value=Decimal("1e15")), "The value is too large."),
        (
            dict(date=D(2026, 5, 1), value=Decimal("1.234")),  # 1234 in German writing?
            "The value may have at most two decimal places (1234,5 or 1234.5).",
        ),
    ):
        with pytest.raises(ServiceError) as info:
            add_indicator_value(actor=lead, indicator=indicator.pk, **kw)
        assert str(info.value.message) == message
    # another lead's indicator, or an id that names none: the same answer
    for target in (indicator.pk, 999_999, "1"):
        with pytest.raises(ServiceError) as info:
            add_indicator_value(
                actor=Actor(lead=scene.jugendamt), indicator=target, date=D(2026, 5, 1), value=1
            )
        assert str(info.value.message) == "This is not one of the measures you lead."
    assert _rows() == before


def test_what_people_type_is_read_at_the_edge():
    assert parse_decimal("12,5", field="v") == Decimal("12.5")
    assert parse_decimal(" 1.234,5 ", field="v") == Decimal("1234.5")
    assert parse_decimal("1,234.5", field="v") == Decimal("1234.5")
    assert parse_decimal("-3", field="v") == Decimal("-3")
    assert parse_decimal("", field="v", required=False) is None
    for raw in ("", "zwölf", "NaN", "Infinity", "1,2,3.4.5", "12 %"):
        with pytest.raises(ServiceError) as info:
            parse_decimal(raw, field="value")
        assert info.value.field == "value"
    assert parse_date("2027-03-31", field="d") == D(2027, 3, 31)
    assert parse_date("", field="d", required=False) is None
    for raw in ("", "31.03.2027", "2027-02-30"):
        with pytest.raises(ServiceError):
            parse_date(raw, field="date")


def test_staff_remove_an_indicator_with_its_values(scene):
    indicator = _define(scene)
    add_indicator_value(
        actor=scene.staff, indicator=indicator, date=D(2026, 5, 1), value=Decimal(1)
    )
    with pytest.raises(ServiceError):
        remove_indicator(actor=Actor(lead=scene.vhs), indicator=indicator)
    remove_indicator(actor=scene.staff, indicator=indicator)
    assert not Indicator.objects.exists() and not IndicatorValue.objects.exists()
    entry = AuditEntry.objects.get(action="forum.measure.indicator_removed")
    assert entry.data["values"] == 1
