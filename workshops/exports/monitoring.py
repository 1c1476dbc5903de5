"""The monitoring report for the council's *Fortschreibung* (DOCX and PDF): how far the
adopted measures got, per action field, guiding goal and sub-goal.

``monitoring_report`` reads it through ``workshops.monitoring`` (the read behind the
status page too, so both count the same); ``blocks`` lays it out as the blocks the DOCX
and PDF writers render (``layout.blocks`` describes them), the indicators as charts
over time (``charts.timeline``).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from workshops import monitoring, selectors
from workshops.exports import layout
from workshops.exports.data import MONITORING, SCHEMA
from workshops.models import Conference, Item


def _counts_data(counts: monitoring.Counts) -> dict:
    return counts.as_dict()


def _measure(item: Item) -> dict:
    """A measure as the report shows it: its follow-up is its origin's when carried over."""
    followed = monitoring.followed(item)
    lead = followed.lead_org.name if followed.lead_org_id else item.lead
    return {
        "id": item.pk,
        "text": item.text,
        "forum": item.forum.title,
        "status": followed.implementation,
        "progress": followed.progress,
        "lead": lead,
        "partners": item.partners,
        "timeframe": item.timeframe,
        "updates": [
            {"date": u.date.isoformat(), "text": u.text, "evaluation": u.round_id is not None}
            for u in followed.updates.all()
        ],
        "indicators": [
            {
                **monitoring.indicator_data(i),
                "alt": monitoring.indicator_alt(i),
                "chart": monitoring.indicator_chart(i),
            }
            for i in followed.indicators.all()
        ],
        "origin": item.origin.forum.conference.title if item.origin_id else None,
    }


def monitoring_report(conference: Conference) -> dict:
    """The adopted measures by action field → guiding goal → sub-goal (each in its
    position's order, numbered from 1 as the city's concept numbers them), the field's
    measures linked to no guiding goal last; the roll-up of ``monitoring.rollup``; and the
    previous conference's measures this one evaluated, with their results."""
    measures = monitoring.adopted_measures(conference)
    rolled = monitoring.rollup(conference, measures)
    by_sub: dict[int, list[Item]] = {}
    unlinked: dict[int, list[Item]] = {}
    placed = selectors.placed_sub_goals(measures)
    for item in measures:
        if placed[item.pk]:
            by_sub.setdefault(placed[item.pk], []).append(item)
        else:
            unlinked.setdefault(item.field_id, []).append(item)
    fields = []
    for entry in rolled:
        goals = []
        for goal in entry.goals:
            if goal.goal is None:
                continue
            subs = goal.goal.sub_goals.order_by("position", "id")
            goals.append(
                {
                    "id": goal.goal.pk,
                    "number": goal.number,
                    "title": goal.goal.title,
                    "counts": _counts_data(goal.counts),
                    "sub_goals": [
                        {
                            "id": sub.pk,
                            "number": n,
                            "title": sub.title,
                            "measures": [_measure(i) for i in by_sub.get(sub.pk, [])],
                        }
                        for n, sub in enumerate(subs, start=1)
                    ],
                }
            )
        fields.append(
            {
                "id": entry.field.pk,
                "title": entry.field.title,
                "description": entry.field.description,
                "counts": _counts_data(entry.counts),
                "guiding_goals": goals,
                "unlinked": [_measure(i) for i in unlinked.get(entry.field.pk, [])],
            }
        )
    return {
        "schema": SCHEMA,
        "kind": MONITORING,
        "generated": timezone.now().isoformat(timespec="seconds"),
        "conference": {
            "slug": conference.slug,
            "title": conference.title,
            "motto": conference.motto,
            "date": conference.date.isoformat() if conference.date else None,
            "venue": conference.venue,
        },
        "total": _counts_data(monitoring.totals(rolled)),
        "fields": fields,
        "evaluated": [
            {
                "id": copy.pk,
                "text": copy.text,
                "conference": copy.origin.forum.conference.title,
                "status": copy.origin.implementation,
                "progress": copy.origin.progress,
                "results": [{"date": u.date.isoformat(), "text": u.text} for u in copy.evaluations],
            }
            for copy in monitoring.evaluated_here(conference)
        ],
    }


# --- the document ------------------------------------------------------------------------


def _status(status: str, progress: int) -> str:
    return f"{layout.implementation_label(status)}, {progress} %"


def _goal_heading(goal: dict) -> str:
    return _("Guiding goal %(n)s: %(title)s") % {
        "n": goal["number"],
        "title": layout.isolate(goal["title"]),
    }


def _sub_heading(goal: dict, sub: dict) -> str:
    return _("Sub-goal %(n)s: %(title)s") % {
        "n": f"{goal['number']}.{sub['number']}",
        "title": layout.isolate(sub["title"]),
    }


def _counts_row(label: str, counts: dict) -> list[str]:
    return [label, *(str(counts[s]) for s in (*monitoring.STATUSES, "total"))]


def _counts_text(counts: dict) -> str:
    """The counts in a line, e.g. "4 adopted measures: 1 planned · 1 in progress · …"."""
    parts = " · ".join(f"{counts[s]} {layout.implementation_label(s)}" for s in monitoring.STATUSES)
    return ngettext(
        "%(n)d adopted measure: %(parts)s", "%(n)d adopted measures: %(parts)s", counts["total"]
    ) % {"n": counts["total"], "parts": parts}


def _measure_blocks(entry: dict, level: int) -> list[tuple]:
    out: list[tuple] = [(f"h{level}", f"#{entry['id']} {layout.isolate(entry['text'])}")]
    labels = layout.detail_labels()
    rows = [
        [_("Implementation status"), _status(entry["status"], entry["progress"])],
        [labels["lead"], layout.isolate(entry["lead"]) or "–"],
        [labels["partners"], layout.isolate(entry["partners"]) or "–"],
        [labels["timeframe"], layout.isolate(entry["timeframe"]) or "–"],
        [_("Forum"), layout.isolate(entry["forum"])],
    ]
    if entry["origin"]:
        rows.append([_("Carried over from"), layout.isolate(entry["origin"])])
    out.append(("table", None, rows))
    if entry["updates"]:
        out.append(("para", _("Updates")))
        for update in entry["updates"]:
            out.append(
                ("bullet", f"{layout.date_text(update['date'])}: {layout.isolate(update['text'])}")
            )
    for indicator in entry["indicators"]:
        out.append(("chart", indicator["chart"]))
        out.append(("para", indicator["alt"]))
    return out


def blocks(report: dict) -> list[tuple]:
    """The monitoring report as document blocks: a title page with the roll-up, then a
    chapter per action field (h1), its guiding goals (h2) and sub-goals (h3), each
    measure (h4) with its status, lead, updates and indicator charts; the measures
    linked to no guiding goal last in their field; the evaluated measures of the
    previous conference at the end."""
    c = report["conference"]
    out: list[tuple] = [("title", layout.isolate(c["title"]))]
    if c["motto"]:
        out.append(("subtitle", layout.isolate(c["motto"])))
    if layout.conference_line(report):
        out.append(("para", layout.conference_line(report)))
    out.append(("h1", layout.export_title(report)))
    out.append(("para", _("As of %(date)s") % {"date": layout.datetime_text(report["generated"])}))
    out.append(("h2", _("Progress at a glance")))
    headers = [
        _("Action field / guiding goal"),
        *(layout.implementation_label(s) for s in monitoring.STATUSES),
        _("Total"),
    ]
    rows = []
    for field in report["fields"]:
        rows.append(_counts_row(layout.isolate(field["title"]), field["counts"]))
        for goal in field["guiding_goals"]:
            rows.append(_counts_row("    " + _goal_heading(goal), goal["counts"]))
    rows.append(_counts_row(_("All action fields"), report["total"]))
    out.append(("table", headers, rows))
    out.append(("pagebreak",))
    if not report["total"]["total"]:
        out.append(("para", _("This conference has no adopted measures yet.")))
    for field in report["fields"]:
        out.append(("h1", layout.isolate(field["title"])))
        if field["description"]:
            out.append(("para", layout.isolate(field["description"])))
        out.append(("para", _counts_text(field["counts"])))
        for goal in field["guiding_goals"]:
            out.append(("h2", _goal_heading(goal)))
            out.append(("para", _counts_text(goal["counts"])))
            for sub in goal["sub_goals"]:
                out.append(("h3", _sub_heading(goal, sub)))
                if not sub["measures"]:
                    out.append(("para", _("No measures.")))
                for entry in sub["measures"]:
                    out.extend(_measure_blocks(entry, 4))
        if field["unlinked"]:
            out.append(("h2", _("Not linked to a guiding goal")))
            for entry in field["unlinked"]:
                out.extend(_measure_blocks(entry, 3))
    if report["evaluated"]:
        out.append(("pagebreak",))
        out.append(("h1", _("Measures of the previous conference evaluated here")))
        for entry in report["evaluated"]:
            out.append(("h2", f"#{entry['id']} {layout.isolate(entry['text'])}"))
            out.append(
                (
                    "para",
                    _("Adopted: %(conf)s · status: %(status)s")
                    % {
                        "conf": layout.isolate(entry["conference"]),
                        "status": _status(entry["status"], entry["progress"]),
                    },
                )
            )
            for result in entry["results"]:
                out.append(
                    (
                        "bullet",
                        f"{layout.date_text(result['date'])}: {layout.isolate(result['text'])}",
                    )
                )
    return out
