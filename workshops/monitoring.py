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
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from workshops import selectors, visibility
from workshops.methods import method_of
from workshops.models import (
    ActionField,
    AnalogCount,
    AuditEntry,
    Conference,
    Forum,
    GuidingGoal,
    Indicator,
    IndicatorValue,
    Item,
    MeasureUpdate,
    Round,
    Vote,
)

STATUSES = tuple(Item.Implementation.values)  # planned, in_progress, done, dropped


def followed(item: Item) -> Item:
    """The measure whose follow-up ``item`` shows: its origin when carried over."""
    return item.origin if item.origin_id else item


def _updates(*, by_lead: bool = False):
    related = ("round__forum__conference", *(("lead",) if by_lead else ()))
    return Prefetch(
        "updates",
        queryset=MeasureUpdate.objects.select_related(*related).order_by("-date", "-id"),
    )


def _indicators():
    return Prefetch(
        "indicators",
        queryset=Indicator.objects.prefetch_related(
            Prefetch("values", queryset=IndicatorValue.objects.order_by("date", "id"))
        ),
    )


def _chain_refs():
    """A measure's shown goals, each with its shown needs: the chain the status page draws
    (need → goal → measure)."""
    shown = visibility.shown_statuses(visibility.PUBLIC)
    texts = ("id", "kind", "text", "language", "versions", "status", "field_id")
    return Prefetch(
        "refs",
        queryset=Item.objects.filter(status__in=shown)
        .only(*texts)
        .prefetch_related(
            Prefetch(
                "refs", queryset=Item.objects.filter(status__in=shown).only(*texts).order_by("id")
            )
        )
        .order_by("id"),
    )


def adopted_measures(conference: Conference, *, chains: bool = False) -> list[Item]:
    """The conference's adopted, shown measures in the action fields' order, with what
    the monitoring shows of them (field, forum, lead, sub-goal and guiding goal, updates
    and indicators with their values, the same of an origin) in a fixed number of
    queries, however many measures. ``chains``: also the texts of the shown goals each
    answers and of the needs those answer, and the lead that wrote each update (the
    status page)."""
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
            _chain_refs() if chains else Prefetch("refs", queryset=Item.objects.only("id")),
            _updates(by_lead=chains),
            _indicators(),
            Prefetch("origin__updates", queryset=_updates(by_lead=chains).queryset),
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
    progress_sum: int = 0  # the progress (%) of its measures added up

    @property
    def started(self) -> int:
        """How many of its measures are done or in progress."""
        return self.counts.done + self.counts.in_progress

    @property
    def mean_progress(self) -> int | None:
        """The mean progress of its measures in whole per cent (None: it has none)."""
        total = self.counts.total
        return round(self.progress_sum / total) if total else None


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
            entry.progress_sum += followed(item).progress
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


# --- the status page: each measure's history, chain, adoption and lead ---------------------


def lead_name(item: Item) -> str:
    """Who leads a measure, as the public may read it: the lead's name (a department or
    partner organisation; its contact person and address stay with the staff,
    docs/accessibility-privacy.md), else the lead the measure's details name."""
    follow = followed(item)
    return follow.lead_org.name if follow.lead_org_id else item.lead


def lead_contact(item: Item) -> str:
    """How the public may reach a measure's lead: what the staff entered as the lead's
    public contact ("": none, or no lead assigned)."""
    follow = followed(item)
    return follow.lead_org.public_contact if follow.lead_org_id else ""


def search_text(item: Item) -> str:
    """What the status page's text search looks in, in lower case: the measure's number
    ("#12"), its text and people's versions of it, its lead and partners. The page's
    script (static/js/status.js) matches the same text the same way."""
    parts = [f"#{item.pk}", item.text, *(item.versions or {}).values(), lead_name(item)]
    parts.append(item.partners)
    return " ".join(p for p in parts if p).lower()


def matches(item: Item, *, field_id=None, status="", lead="", words=()) -> bool:
    """Whether a measure passes the status page's filters: its action field, the status
    of its follow-up, its lead (by name) and every word of the text search."""
    if field_id is not None and item.field_id != field_id:
        return False
    if status and followed(item).implementation != status:
        return False
    if lead and lead_name(item) != lead:
        return False
    haystack = search_text(item)
    return all(word in haystack for word in words)


def search_words(query: str) -> list[str]:
    """The words of a text search, in lower case (at most 10, each at most 100 characters:
    a long query costs nobody anything)."""
    return [w[:100] for w in query.lower().split()][:10]


@dataclass
class TimelineEntry:
    """One dated step of a measure's follow-up: a change of its status or progress (from
    the audit log, ``forum.measure.status``), or an update with its note (an evaluation
    by a later conference's round among them)."""

    date: datetime.date
    at: datetime.datetime | None = None  # when it was written, to order a day's steps
    note: str = ""
    status: str = ""  # the status after a change ("": no change of status)
    status_before: str = ""
    progress: int | None = None  # the progress after a change (None: unchanged)
    evaluation: bool = False
    by: str = ""  # the lead that wrote the update ("": the staff)

    @property
    def status_label(self) -> str:
        return Item.Implementation(self.status).label if self.status else ""

    @property
    def status_before_label(self) -> str:
        return Item.Implementation(self.status_before).label if self.status_before else ""


def timelines(measures: list[Item]) -> dict[int, list[TimelineEntry]]:
    """Per measure (by id), the dated steps of its follow-up (its origin's, when carried
    over), the newest first: its updates (prefetched, ``adopted_measures``) and the
    changes of its status and progress, read from the audit log in one query."""
    followed_ids = sorted({followed(m).pk for m in measures})
    changes: dict[int, list[TimelineEntry]] = {}
    if followed_ids:
        rows = AuditEntry.objects.filter(
            action="forum.measure.status", data__item__in=followed_ids
        ).values_list("data", "created_at")
        for data, at in rows:
            before, after = data.get("before") or {}, data.get("after") or {}
            status = after.get("implementation", "")
            if status not in Item.Implementation.values:
                continue
            changed = status != before.get("implementation")
            progress = after.get("progress")
            changes.setdefault(data["item"], []).append(
                TimelineEntry(
                    date=timezone.localdate(at),
                    at=at,
                    status=status if changed else "",
                    status_before=before.get("implementation", "") if changed else "",
                    progress=progress if isinstance(progress, int) else None,
                )
            )
    result = {}
    for m in measures:
        follow = followed(m)
        steps = [
            TimelineEntry(
                date=u.date,
                at=u.created_at,
                note=u.text,
                evaluation=u.round_id is not None,
                by=u.lead.name if u.lead_id and u.lead else "",
            )
            for u in follow.updates.all()
        ] + changes.get(follow.pk, [])
        epoch = datetime.datetime.min.replace(tzinfo=datetime.UTC)
        steps.sort(key=lambda s: (s.date, s.at or epoch), reverse=True)
        result[m.pk] = steps
    return result


@dataclass
class ChainLink:
    """A goal a measure answers, with the needs that goal answers."""

    goal: Item
    needs: list[Item]


def chain(item: Item) -> list[ChainLink]:
    """The shown goals a measure answers, each with its shown needs (``refs`` prefetched
    with ``adopted_measures(chains=True)``)."""
    return [
        ChainLink(goal, [n for n in goal.refs.all() if n.kind == Item.Kind.NEED])
        for goal in item.refs.all()
        if goal.kind == Item.Kind.GOAL
    ]


@dataclass
class AdoptionVote:
    """How the plenary adopted a measure, as far as it is known for sure: the day, and
    the plenary round's figures (phone and paper votes together) when that round's
    result is what adopted it."""

    date: datetime.date | None = None
    forum: str = ""
    yes: int | None = None
    no: int = 0
    abstain: int = 0

    @property
    def has_figures(self) -> bool:
        return self.yes is not None


def adoptions(conference: Conference, measures: list[Item]) -> dict[int, AdoptionVote]:
    """Per measure (by id), how the plenary adopted it. The figures are those of the last
    closed adoption round of a plenary of the conference the measure was in, when that
    round has more yes than no (``Adoption.adopted``: its result is the decision); else,
    with a moderator's decision instead (``forum.item.adopted``), only the day of it.
    Five queries, however many measures and rounds."""
    ids = [m.pk for m in measures]
    if not ids:
        return {}
    rounds = list(
        Round.objects.filter(
            forum__conference=conference,
            forum__kind=Forum.Kind.PLENARY,
            method=Round.Method.ADOPTION,
            status=Round.Status.CLOSED,
            items__in=ids,
        )
        .distinct()
        .select_related("forum")
        .prefetch_related(Prefetch("items", queryset=Item.objects.filter(pk__in=ids).only("id")))
        .order_by("closed_at", "id")
    )
    last = {item.pk: round_ for round_ in rounds for item in round_.items.all()}
    method = method_of(Round.Method.ADOPTION)
    tallies: dict[tuple[int, int], dict] = {}
    for row in (
        Vote.objects.filter(round__in=rounds, option__in=ids)
        .values("round", "option")
        .annotate(**method.aggregates(None))
    ):
        tallies[(row["round"], row["option"])] = {k: row[k] for k in ("yes", "no", "abstain")}
    for round_id, option, value, count in AnalogCount.objects.filter(
        round__in=rounds, option__in=ids
    ).values_list("round", "option", "value", "count"):
        tally = tallies.setdefault((round_id, option), {"yes": 0, "no": 0, "abstain": 0})
        method.add_analog(tally, value, count)
    decided = {}
    for data, at in (
        AuditEntry.objects.filter(
            conference=conference, action="forum.item.adopted", data__item__in=ids
        )
        .order_by("created_at", "id")
        .values_list("data", "created_at")
    ):
        if data.get("adopted") is True:
            decided[data["item"]] = timezone.localdate(at)
    result = {}
    for item_id in ids:
        round_ = last.get(item_id)
        tally = tallies.get((round_.pk, item_id)) if round_ else None
        if tally and method.adopted(tally):
            result[item_id] = AdoptionVote(
                date=timezone.localdate(round_.closed_at) if round_.closed_at else None,
                forum=round_.forum.title,
                yes=tally["yes"],
                no=tally["no"],
                abstain=tally["abstain"],
            )
        else:
            result[item_id] = AdoptionVote(date=decided.get(item_id))
    return result


def add_status_details(conference: Conference, measures: list[Item]) -> None:
    """Give each of ``measures`` (``adopted_measures(chains=True)``) what the status page
    shows of it: ``followed``, ``lead_name``, ``lead_contact``, ``search_text``,
    ``chain``, ``timeline``, ``adoption`` and its indicators' ``charts``; a fixed number
    of queries."""
    steps = timelines(measures)
    adopted = adoptions(conference, measures)
    for m in measures:
        m.followed = followed(m)
        m.lead_name = lead_name(m)
        m.lead_contact = lead_contact(m)
        m.search_text = search_text(m)
        m.chain = chain(m)
        m.timeline = steps[m.pk]
        m.adoption = adopted[m.pk]
        m.charts = [
            {"indicator": i, "uri": chart_svg_uri(i), "alt": indicator_alt(i)}
            for i in m.followed.indicators.all()
        ]
