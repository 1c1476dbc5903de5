"""Indicators of adopted measures and their measured values.

Staff (``rules.can_follow_up``) define an indicator: a unit, a baseline (on a date), a
target by a target date. Values are added by staff or by the measure's lead through the
lead's link (``Actor(lead=...)``). Services take typed values (``Decimal``, ``date``):
the edge parses what people type (``parse_decimal``, ``parse_date``). Every change is
one transaction with an audit entry (``forum.measure.indicator_*``).
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, Indicator, IndicatorValue, Item, Lead
from workshops.services.leads import require_staff
from workshops.text import clean_user_text

TITLE_MAX = Indicator._meta.get_field("title").max_length
UNIT_MAX = Indicator._meta.get_field("unit").max_length
# What the columns hold: 14 digits, 2 of them after the point.
NUMBER_LIMIT = Decimal("1e12")
CENT = Decimal("0.01")


# --- the edge: what people type -----------------------------------------------------------


def parse_decimal(raw, *, field: str, required: bool = True) -> Decimal | None:
    """A number as typed: "12", "12,5" or "12.5", "-3", "1 234,5" (German or English
    writing). None when empty and not ``required``; anything else is refused."""
    text = "" if raw is None else str(raw).strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        if required:
            raise ServiceError(ServiceError.INVALID, _("Please give a number."), field=field)
        return None
    if "," in text and "." in text:  # 1.234,5 (German) or 1,234.5 (English)
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    else:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ServiceError(
            ServiceError.INVALID,
            _("This is not a number: %(value)s") % {"value": str(raw)[:40]},
            field=field,
        )
    return number


def parse_date(raw, *, field: str, required: bool = True) -> datetime.date | None:
    """A date as a date field sends it (2027-03-31); None when empty and not required."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        if required:
            raise ServiceError(ServiceError.INVALID, _("Please give the date."), field=field)
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ServiceError(
            ServiceError.INVALID, _("Give the date like 2027-03-31."), field=field
        ) from None


# --- the services ---------------------------------------------------------------------------


def _number(value, *, field: str, label) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise ServiceError(
            ServiceError.INVALID, _("%(name)s must be a number.") % {"name": label}, field=field
        )
    value = Decimal(value)
    if not value.is_finite() or abs(value) >= NUMBER_LIMIT:
        raise ServiceError(
            ServiceError.INVALID,
            _("%(name)s is too large.") % {"name": label},
            field=field,
        )
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        # "1.234" may mean 1234 (German) or 1.234 (English): never guess, ask
        raise ServiceError(
            ServiceError.INVALID,
            _("%(name)s may have at most two decimal places (1234,5 or 1234.5).") % {"name": label},
            field=field,
        )
    return value.quantize(CENT)


def _optional_date(value, *, field: str) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ServiceError(ServiceError.INVALID, _("Give the date like 2027-03-31."), field=field)
    return value


def _text(value, *, limit: int, field: str, label, required: bool) -> str:
    value = clean_user_text(value) if isinstance(value, str) else ""
    if required and not value:
        raise ServiceError(
            ServiceError.INVALID, _("%(name)s is missing.") % {"name": label}, field=field
        )
    if len(value) > limit:
        raise ServiceError(
            ServiceError.INVALID,
            _("%(name)s is too long: at most %(limit)d characters, this one has %(count)d.")
            % {"name": label, "limit": limit, "count": len(value)},
            field=field,
        )
    return value


def _audit(measure: Item, actor: Actor, action: str, data: dict) -> None:
    if actor.lead is not None:
        data = {**data, "lead": actor.lead.pk}
    AuditEntry.objects.create(
        conference_id=measure.forum.conference_id,
        forum_id=measure.forum_id,
        action=action,
        actor_user_id=actor.user_id,
        data=data,
    )


def _adopted_measure(item) -> Item:
    item_id = item.pk if isinstance(item, Item) else item
    measure = Item.objects.select_related("forum").filter(pk=item_id).first()
    if measure is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This item does not exist."))
    return measure


def _require_followed_up(measure: Item) -> None:
    if (
        measure.kind != Item.Kind.MEASURE
        or measure.adopted is not True
        or measure.status != Item.Status.VISIBLE
    ):
        raise ServiceError(ServiceError.INVALID, _("Only adopted measures are followed up."))


@transaction.atomic
def define_indicator(
    *,
    actor: Actor,
    item: Item | int,
    title: str,
    unit: str = "",
    baseline: Decimal,
    target: Decimal,
    baseline_date: datetime.date | None = None,
    target_date: datetime.date | None = None,
) -> Indicator:
    """Add an indicator to an adopted measure (staff): a title, a unit ("%", "Teilnehmende"),
    the baseline (measured on ``baseline_date``) and the target to reach by
    ``target_date``; a target date before the baseline date is refused. Records
    ``forum.measure.indicator_added``."""
    measure = _adopted_measure(item)
    require_staff(actor, measure.forum.conference_id)
    title = _text(title, limit=TITLE_MAX, field="title", label=_("The title"), required=True)
    unit = _text(unit, limit=UNIT_MAX, field="unit", label=_("The unit"), required=False)
    baseline = _number(baseline, field="baseline", label=_("The baseline"))
    target = _number(target, field="target", label=_("The target"))
    baseline_date = _optional_date(baseline_date, field="baseline_date")
    target_date = _optional_date(target_date, field="target_date")
    if baseline_date and target_date and target_date < baseline_date:
        raise ServiceError(
            ServiceError.INVALID,
            _("The target date cannot lie before the baseline date."),
            field="target_date",
        )
    measure = Item.objects.select_for_update().select_related("forum").get(pk=measure.pk)
    _require_followed_up(measure)
    position = measure.indicators.count()
    indicator = Indicator.objects.create(
        item=measure,
        title=title,
        unit=unit,
        baseline=baseline,
        baseline_date=baseline_date,
        target=target,
        target_date=target_date,
        position=position,
    )
    _audit(
        measure,
        actor,
        "forum.measure.indicator_added",
        {
            "item": measure.pk,
            "indicator": indicator.pk,
            "title": title,
            "unit": unit,
            "baseline": str(baseline),
            "target": str(target),
            "baseline_date": baseline_date.isoformat() if baseline_date else None,
            "target_date": target_date.isoformat() if target_date else None,
        },
    )
    return indicator


@transaction.atomic
def remove_indicator(*, actor: Actor, indicator: Indicator | int) -> None:
    """Remove an indicator with its values (staff), e.g. one defined by mistake. Records
    ``forum.measure.indicator_removed`` with its title and how many values went."""
    indicator_id = indicator.pk if isinstance(indicator, Indicator) else indicator
    found = Indicator.objects.select_related("item__forum").filter(pk=indicator_id).first()
    if found is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This indicator does not exist."))
    require_staff(actor, found.item.forum.conference_id)
    measure = Item.objects.select_for_update().select_related("forum").get(pk=found.item_id)
    values = found.values.count()
    found.delete()
    _audit(
        measure,
        actor,
        "forum.measure.indicator_removed",
        {"item": measure.pk, "indicator": indicator_id, "title": found.title, "values": values},
    )


def _indicator_for(actor: Actor, indicator) -> Indicator:
    """The indicator, for staff of its conference, or for the lead of its measure (an
    unknown id and another lead's indicator get the same answer)."""
    if isinstance(indicator, Indicator):
        indicator = indicator.pk
    found = None
    if isinstance(indicator, int) and not isinstance(indicator, bool):
        found = Indicator.objects.select_related("item__forum").filter(pk=indicator).first()
    if actor.lead is not None:
        current = Lead.objects.filter(pk=actor.lead.pk, revoked_at=None).exists()
        if not current:
            raise ServiceError(ServiceError.FORBIDDEN, _("This link has been withdrawn."))
        if found is None or found.item.lead_org_id != actor.lead.pk:
            raise ServiceError(
                ServiceError.FORBIDDEN, _("This is not one of the measures you lead.")
            )
        return found
    if found is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This indicator does not exist."))
    require_staff(actor, found.item.forum.conference_id)
    return found


@transaction.atomic
def add_indicator_value(
    *, actor: Actor, indicator: Indicator | int, date: datetime.date | None, value: Decimal
) -> IndicatorValue:
    """Add a measured value on a date to an indicator (staff, or the measure's lead
    through the lead's link, which the value then names). The date is required and
    cannot lie in the future. Records ``forum.measure.indicator_value_added``."""
    found = _indicator_for(actor, indicator)
    if date is None:
        raise ServiceError(
            ServiceError.INVALID, _("Please give the date of the value."), field="date"
        )
    date = _optional_date(date, field="date")
    if date > timezone.localdate():
        raise ServiceError(
            ServiceError.INVALID,
            _("A measured value cannot be dated in the future."),
            field="date",
        )
    value = _number(value, field="value", label=_("The value"))
    measure = Item.objects.select_for_update().select_related("forum").get(pk=found.item_id)
    _require_followed_up(measure)
    if actor.lead is not None and measure.lead_org_id != actor.lead.pk:
        raise ServiceError(ServiceError.FORBIDDEN, _("This is not one of the measures you lead."))
    recorded = IndicatorValue.objects.create(
        indicator=found,
        date=date,
        value=value,
        lead_id=actor.lead.pk if actor.lead is not None else None,
        author_user_id=actor.user_id,
    )
    _audit(
        measure,
        actor,
        "forum.measure.indicator_value_added",
        {
            "item": measure.pk,
            "indicator": found.pk,
            "value": recorded.pk,
            "date": date.isoformat(),
            "amount": str(value),
        },
    )
    return recorded
