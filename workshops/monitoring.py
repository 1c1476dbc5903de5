"""The monitoring picture: how far a conference's adopted measures got, rolled up per
action field and per guiding goal, and their indicators against their targets. One read
behind the public status page and the monitoring report (``exports.monitoring``), so
both count the same.

A measure carried over from the previous conference is followed through its origin
(``Item.origin``): its status, progress, updates and indicators are the origin's, as
``selectors.measure_details`` shows them.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import formats
from django.utils.translation import gettext as _

from workshops import selectors, visibility
from workshops.models import (
    ActionField,
    Conference,
    GuidingGoal,
    Indicator,
    IndicatorValue,
    Item,
    MeasureUpdate,
)

STATUSES = tuple(Item.Implementation.values)  # planned, in_progress, done, dropped


def followed(item: Item) -> Item:
    """The measure whose follow-up ``item`` shows: its origin when carried over."""
    return item.origin if item.origin_id else item


def _updates():
    return Prefetch(
        "updates",
        queryset=MeasureUpdate.objects.select_related("round__forum__conference").order_by(
            "-date", "-id"
        ),
    )


def _indicators():
    return Prefetch(
        "indicators",
        queryset=Indicator.objects.prefetch_related(
            Prefetch("values", queryset=IndicatorValue.objects.order_by("date", "id"))
        ),
    )


def adopted_measures(conference: Conference) -> list[Item]:
    """The conference's adopted, shown measures in the action fields' order, with what
    the monitoring shows of them (field, forum, lead, sub-goal and guiding goal, updates
    and indicators with their values, the same of an origin) in a fixed number of
    queries, however many measures."""
    return list(
        Item.objects.filter(
            forum__conference=conference,
            kind=Item.Kind.MEASURE,
            adopted=True,
            status__in=visibility.shown_statuses(visibility.PUBLIC),
        )
        .select_related(
            "field",
            "forum",
            "lead_org",
            "sub_goal__guiding_goal",
            "origin__lead_org",
            "origin__forum__conference",
        )
        .prefetch_related(
            Prefetch("refs", queryset=Item.objects.only("id")),
            _updates(),
            _indicators(),
            Prefetch("origin__updates", queryset=_updates().queryset),
            Prefetch("origin__indicators", queryset=_indicators().queryset),
        )
        .order_by("field__position", "field_id", "id")
    )


# --- the roll-up ---------------------------------------------------------------------


@dataclass
class Counts:
    """How many measures are in each implementation status."""

    planned: int = 0
    in_progress: int = 0
    done: int = 0
    dropped: int = 0

    @property
    def total(self) -> int:
        return self.planned + self.in_progress + self.done + self.dropped

    def add(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)

    def as_dict(self) -> dict:
        return {**{s: getattr(self, s) for s in STATUSES}, "total": self.total}


@dataclass
class GoalRollup:
    goal: GuidingGoal | None  # None: the field's measures linked to no guiding goal
    number: int | None
    counts: Counts = field(default_factory=Counts)


@dataclass
class FieldRollup:
    field: ActionField
    counts: Counts = field(default_factory=Counts)
    goals: list[GoalRollup] = field(default_factory=list)


def rollup(conference: Conference, measures: list[Item]) -> list[FieldRollup]:
    """Per action field (in the conference's order) and, within it, per guiding goal (by
    number, every one listed even without measures) how many of ``measures`` are
    planned, in progress, done or dropped; the field's measures linked to no guiding
    goal last, if any. A measure counts under the guiding goal of the sub-goal it stands
    under (``selectors.placed_sub_goals``: its own, or that of a goal it answers)."""
    fields = list(
        conference.fields.order_by("position", "id").prefetch_related(
            Prefetch(
                "guiding_goals",
                queryset=GuidingGoal.objects.order_by("position", "id").prefetch_related(
                    "sub_goals"
                ),
            )
        )
    )
    placed = selectors.placed_sub_goals(measures)
    goal_of = {
        sub.pk: goal.pk
        for f in fields
        for goal in f.guiding_goals.all()
        for sub in goal.sub_goals.all()
    }
    result, goals = [], {}
    for f in fields:
        entry = FieldRollup(
            f,
            goals=[GoalRollup(g, n) for n, g in enumerate(f.guiding_goals.all(), start=1)],
        )
        goals.update({g.goal.pk: g for g in entry.goals})
        result.append(entry)
    by_field = {entry.field.pk: entry for entry in result}
    for item in measures:
        status = followed(item).implementation
        entry = by_field.get(item.field_id)
        if entry is not None:
            entry.counts.add(status)
        goal_id = goal_of.get(placed[item.pk])
        if goal_id in goals:
            goals[goal_id].counts.add(status)
        elif entry is not None:
            if not entry.goals or entry.goals[-1].goal is not None:
                entry.goals.append(GoalRollup(None, None))
            entry.goals[-1].counts.add(status)
    return result


def totals(rolled: list[FieldRollup]) -> Counts:
    counts = Counts()
    for entry in rolled:
        for status in STATUSES:
            setattr(counts, status, getattr(counts, status) + getattr(entry.counts, status))
    return counts


# --- indicators ------------------------------------------------------------------------


def number_text(value) -> str:
    """A figure as people write it: no ",00" on whole numbers, the locale's separator."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return formats.number_format(int(value), use_l10n=True, force_grouping=True)
    return formats.number_format(value.normalize(), use_l10n=True, force_grouping=True)


def _day(date: datetime.date | None) -> str:
    return formats.date_format(date, "DATE_FORMAT") if date else ""


def reached(indicator: Indicator, latest) -> int | None:
    """How far the latest value went from the baseline towards the target, in whole
    per cent (0 at the baseline, 100 at the target; it may fall below 0 or pass 100);
    None without a value or when baseline and target are the same."""
    if latest is None or indicator.target == indicator.baseline:
        return None
    share = (Decimal(latest) - indicator.baseline) / (indicator.target - indicator.baseline)
    return int((share * 100).to_integral_value())


def indicator_data(indicator: Indicator) -> dict:
    """An indicator as the report's JSON-like data: figures as floats, dates ISO."""
    values = list(indicator.values.all())
    latest = values[-1] if values else None
    return {
        "id": indicator.pk,
        "title": indicator.title,
        "unit": indicator.unit,
        "baseline": float(indicator.baseline),
        "baseline_date": indicator.baseline_date.isoformat() if indicator.baseline_date else None,
        "target": float(indicator.target),
        "target_date": indicator.target_date.isoformat() if indicator.target_date else None,
        "values": [{"date": v.date.isoformat(), "value": float(v.value)} for v in values],
        "reached": reached(indicator, latest.value if latest else None),
    }


def indicator_alt(indicator: Indicator) -> str:
    """The chart's figures as a sentence, for those who do not see it: baseline, every
    measured value with its date, target, and how far the latest value got."""
    unit = f" {indicator.unit}" if indicator.unit else ""
    values = list(indicator.values.all())
    parts = [
        _("Baseline %(value)s%(unit)s") % {"value": number_text(indicator.baseline), "unit": unit}
        + (f" ({_day(indicator.baseline_date)})" if indicator.baseline_date else "")
    ]
    if values:
        parts.append(
            _("measured: %(values)s")
            % {"values": ", ".join(f"{_day(v.date)}: {number_text(v.value)}{unit}" for v in values)}
        )
    else:
        parts.append(_("no value measured yet"))
    target = _("target %(value)s%(unit)s") % {
        "value": number_text(indicator.target),
        "unit": unit,
    }
    if indicator.target_date:
        target += " " + _("by %(date)s") % {"date": _day(indicator.target_date)}
    parts.append(target)
    share = reached(indicator, values[-1].value if values else None)
    if share is not None:
        parts.append(
            _("%(share)d %% of the way from the baseline to the target") % {"share": share}
        )
    return f"{indicator.title}: " + "; ".join(parts) + "."


def indicator_chart(indicator: Indicator) -> dict:
    """The chart of an indicator as ``exports.charts.timeline`` draws it."""
    data = indicator_data(indicator)
    return {
        "type": "timeline",
        "title": indicator.title,
        "unit": indicator.unit,
        "points": [(v["date"], v["value"]) for v in data["values"]],
        "baseline": {"date": data["baseline_date"], "value": data["baseline"]},
        "target": {"date": data["target_date"], "value": data["target"]},
        "names": (_("Measured"), _("Baseline"), _("Target")),
        "alt": indicator_alt(indicator),
    }


def chart_svg_uri(indicator: Indicator) -> str:
    """The indicator's small chart as a ``data:`` URI of an SVG, for an ``<img>`` (the
    page's Content-Security-Policy allows data images, and an image's own styles are its
    own). Kept in the cache by its content, so an unchanged chart is drawn once."""
    import base64
    import hashlib
    import json

    from django.core.cache import cache

    from workshops.exports import charts

    spec = indicator_chart(indicator)
    key = (
        "monitoring.chart."
        + hashlib.sha256(
            json.dumps({k: v for k, v in spec.items() if k != "alt"}, default=str).encode()
        ).hexdigest()
    )
    uri = cache.get(key)
    if uri is None:
        svg = charts.timeline(spec, "svg", charts.SMALL)
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
        cache.set(key, uri, 24 * 3600)
    return uri


# --- carry-over --------------------------------------------------------------------------


def evaluated_here(conference: Conference) -> list[Item]:
    """The measures of the previous conference this conference evaluated: their copies
    here (shown, ``origin`` set) that a closed round of this conference voted on, each
    with ``evaluations``, the updates the rounds wrote back to the origin
    (``services.measures.record_evaluations``)."""
    copies = list(
        Item.objects.filter(
            forum__conference=conference,
            kind=Item.Kind.MEASURE,
            status__in=visibility.shown_statuses(visibility.PUBLIC),
            origin__isnull=False,
        )
        .select_related("field", "origin__forum__conference", "origin__lead_org")
        .prefetch_related(
            Prefetch(
                "origin__updates",
                queryset=MeasureUpdate.objects.filter(round__forum__conference=conference).order_by(
                    "-date", "-id"
                ),
                to_attr="evaluations",
            )
        )
        .order_by("field__position", "field_id", "id")
    )
    for copy in copies:
        copy.evaluations = copy.origin.evaluations
    return [c for c in copies if c.evaluations]
