"""How the report reads: labels, result sentences, the table rows of XLSX and CSV and
the blocks of DOCX and PDF, all from ``data.conference_report``.

Text is in the active language (German by default), so an export speaks the language of
the page it was asked for from.
"""

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from workshops.exports.data import DOCUMENTATION, MONITORING
from workshops.methods import method_of
from workshops.models import Forum, Item
from workshops.selectors import DETAIL_FIELDS


def detail_labels() -> dict:
    return {
        "lead": _("Lead"),
        "partners": _("Partners"),
        "timeframe": _("Time frame"),
        "resources": _("Resources"),
        "indicator": _("Indicator of success"),
    }


def decision_label(decision: str) -> str:
    return {
        "adopted": _("adopted"),
        "rejected": _("not adopted"),
        "undecided": _("not decided"),
    }[decision]


def kind_label(kind: str) -> str:
    return str(dict(Item.Kind.choices)[kind])


def implementation_label(status: str) -> str:
    return str(dict(Item.Implementation.choices)[status])


def method_label(method: str) -> str:
    return str(method_of(method).label)


def tally_text(method: str, tally: dict | None) -> str:
    """One tally as a short phrase, e.g. "yes 12 · no 3 · abstain 1"
    (``VotingMethod.export_text``)."""
    if not tally:
        return "–"
    return method_of(method).export_text(tally)


def round_label(result: dict) -> str:
    """Which round a result is from: its forum and method, e.g. "Plenum, Abstimmung"."""
    return f"{result['forum']}, {method_label(result['method'])}"


def result_text(result: dict) -> str:
    """A round's result for one item in one line: forum, method, then ``result_detail``."""
    return f"{round_label(result)}: {result_detail(result)}"


def result_detail(result: dict) -> str:
    """A round's result for one item without naming the round: total, paper votes,
    voters, and the groups (whose names may hold a ": " of their own)."""
    text = tally_text(result["method"], result["total"])
    extras = []
    if result.get("analog"):
        extras.append(
            _("of which on paper: %(t)s") % {"t": tally_text(result["method"], result["analog"])}
        )
    extras.append(_("%(n)d voting by phone") % {"n": result["voters"]})
    if result["status"] == "open":
        extras.append(_("round still open"))
    if result.get("revealed") is False:  # a secret round still running (exports/data.py)
        extras.append(_("results not revealed yet"))
    text += " (" + "; ".join(extras) + ")"
    if result["groups"]:
        text += " – " + "; ".join(
            f"{group}: {tally_text(result['method'], tally)}"
            for group, tally in sorted(result["groups"].items())
        )
        if result["broad"]:
            text += " – " + _("carried by every group")
    return text


def date_text(iso: str | None) -> str:
    if not iso:
        return ""
    return formats.date_format(datetime.date.fromisoformat(iso), "DATE_FORMAT")


def datetime_text(iso: str | None) -> str:
    """A moment as people write it, in the time zone of the settings (TIME_ZONE), e.g.
    "3. Dezember 2026, 08:41"."""
    if not iso:
        return ""
    moment = timezone.localtime(datetime.datetime.fromisoformat(iso))
    return formats.date_format(moment, pgettext("date and time in exports", "F j, Y, H:i"))


def isolate(text: str) -> str:
    """Text written by people or the city, isolated from the line around it (Unicode
    FSI ... PDI), so an Arabic text keeps its own direction and does not turn the
    line's bullet, numbers and brackets around."""
    return f"\u2068{text}\u2069" if text else text


def german_line(text: str) -> str:
    """An item's German version beneath its original (services.versions)."""
    return _("German: %(text)s") % {"text": isolate(text)}


def conference_line(report: dict) -> str:
    c = report["conference"]
    return " · ".join(part for part in (date_text(c["date"]), c["venue"]) if part)


def export_title(report: dict) -> str:
    if report["kind"] == MONITORING:
        return _("Monitoring report")
    if report["kind"] == DOCUMENTATION:
        return _("Documentation of the results")
    return _("Adopted measures")


def group_label(group: str) -> str:
    return group or _("other or not given")


# --- tables (XLSX, CSV) -------------------------------------------------------------


def has_german(report: dict) -> bool:
    """Whether any item of the report has a German version (services.versions): the
    tables then have a column for them."""
    return any(e.get("german") for f in report["fields"] for e in field_entries(report, f))


def item_keys(report: dict) -> list[str]:
    """The columns of an item row, by name (the writers size them by it)."""
    keys = ["no", "field", "guiding_goal", "sub_goal"]
    keys += ["kind", "forum"] if report["kind"] == DOCUMENTATION else []
    keys += ["text", "decision", "goals", "needs", *DETAIL_FIELDS]
    keys += ["status", "progress", "update", "results"]
    if has_german(report):  # the German versions of texts in other languages
        keys.append("german")
    if report["kind"] != DOCUMENTATION:
        keys.insert(5, "forum")
    return keys


def item_columns(report: dict) -> list[str]:
    labels = {
        "no": _("No."),
        "field": _("Action field"),
        "guiding_goal": _("Guiding goal"),
        "sub_goal": _("Sub-goal"),
        "kind": pgettext("export column", "Kind"),
        "forum": _("Forum"),
        "text": _("Text"),
        "german": _("German version"),
        "decision": _("Decision"),
        "goals": _("Goals it answers"),
        "needs": _("Needs behind them"),
        **detail_labels(),
        "status": _("Implementation status"),
        "progress": _("Progress (%)"),
        "update": _("Latest update"),
        "results": _("Results"),
    }
    return [labels[key] for key in item_keys(report)]


def item_row(report: dict, field: dict, entry: dict, goals_of: dict | None = None) -> list:
    """One item as a row under ``item_columns``. Numbers stay numbers. ``goals_of`` is
    ``goal_columns`` of the field (a measure's guiding goal and sub-goal)."""
    measure = entry["kind"] == "measure"
    goals = entry.get("goals", [])
    needs = {n["id"]: n["text"] for g in goals for n in g["needs"]}
    updates = entry["implementation"]["updates"] if measure else []
    row = [entry["id"], field["title"], *(goals_of or {}).get(entry["id"], ("", ""))]
    if report["kind"] == DOCUMENTATION:
        row += [kind_label(entry["kind"]), entry["forum"]]
    row += [
        entry["text"],
        decision_label(entry["decision"]) if measure else "",
        "\n".join(f"#{g['id']} {g['text']}" for g in goals),
        "\n".join(f"#{k} {v}" for k, v in needs.items()),
    ]
    row += [entry["details"][name] if measure else "" for name in DETAIL_FIELDS]
    row += [
        implementation_label(entry["implementation"]["status"]) if measure else "",
        entry["implementation"]["progress"] if measure else None,
        f"{date_text(updates[0]['date'])}: {updates[0]['text']}" if updates else "",
        "\n".join(result_text(r) for r in entry["results"]),
    ]
    if has_german(report):
        row.append(entry.get("german", ""))
    if report["kind"] != DOCUMENTATION:
        row.insert(5, entry["forum"])
    return row


def field_entries(report: dict, field: dict) -> list[dict]:
    """The rows of one action field: its measures, then (documentation) goals, needs."""
    return field["measures"] + field.get("goals", []) + field.get("needs", [])


def overview_rows(report: dict) -> list[tuple[str, object]]:
    c, p = report["conference"], report["participation"]
    rows = [
        (_("Conference"), c["title"]),
        (_("Motto"), c["motto"]),
        (_("Date"), date_text(c["date"])),
        (_("Venue"), c["venue"]),
        (_("Export"), export_title(report)),
        (_("Created"), datetime_text(report["generated"])),
        (_("Participants"), p["participants"]),
    ]
    rows += [
        (_("Participants: %(group)s") % {"group": group_label(g)}, n)
        for g, n in p["participants_by_group"].items()
    ]
    rows += [
        (_("People who voted by phone"), p["voters"]),
        (_("Contributions"), p["items"]),
        (_("Forums"), p["forums"]),
    ]
    for field in report["fields"]:
        label = (
            _("Adopted measures: %(field)s")
            if report["kind"] != DOCUMENTATION
            else _("Measures: %(field)s")
        )
        rows.append((label % {"field": field["title"]}, len(field["measures"])))
    return rows


def forum_columns(report: dict) -> list[str]:
    return [
        _("Forum"),
        _("Contributions"),
        _("People who proposed"),
        _("Voting rounds"),
        _("People who voted by phone"),
        _("Voters by group"),
    ]


def forum_rows(report: dict) -> list[list]:
    return [
        [
            f["title"],
            f["items"],
            f["proposers"],
            f["rounds"],
            f["voters"],
            "; ".join(f"{group_label(g)}: {n}" for g, n in f["voters_by_group"].items()),
        ]
        for f in report["participation"].get("per_forum", [])
    ]


def goal_heading(number: int, title: str) -> str:
    return _("Guiding goal %(n)s") % {"n": number} + ": " + isolate(title)


def sub_goal_heading(number: str, title: str) -> str:
    return _("Sub-goal %(n)s") % {"n": number} + ": " + isolate(title)


def measure_groups(report: dict, field: dict) -> dict | None:
    """A field's measures under its guiding goals (``report["guiding_goals"]``), numbered
    as the city numbers them (guiding goal 2, sub-goal 2.4); None when the field has no
    guiding goals. {goals: [{heading, title, number, sub_goals: [{heading, title,
    number, measures: [entries]}]}], unlinked: [entries]}"""
    goals = [g for g in report.get("guiding_goals", []) if g["field"] == field["id"]]
    if not goals:
        return None
    by_id = {e["id"]: e for e in field["measures"]}
    placed: set[int] = set()
    out = []
    for n, goal in enumerate(goals, start=1):
        subs = []
        for m, sub in enumerate(goal["sub_goals"], start=1):
            entries = [by_id[i] for i in sub["measures"] if i in by_id]
            placed.update(e["id"] for e in entries)
            number = f"{n}.{m}"
            subs.append(
                {
                    "number": number,
                    "title": sub["title"],
                    "heading": sub_goal_heading(number, sub["title"]),
                    "measures": entries,
                }
            )
        out.append(
            {
                "number": n,
                "title": goal["title"],
                "heading": goal_heading(n, goal["title"]),
                "sub_goals": subs,
            }
        )
    return {"goals": out, "unlinked": [e for e in field["measures"] if e["id"] not in placed]}


def goal_columns(report: dict, field: dict) -> dict[int, tuple[str, str]]:
    """Per measure id of the field: its guiding goal and sub-goal as the tables show them
    ("2 Alle Kinder …", "2.1 Eltern kennen …"), for ``item_row``."""
    groups = measure_groups(report, field)
    if groups is None:
        return {}
    return {
        entry["id"]: (f"{goal['number']} {goal['title']}", f"{sub['number']} {sub['title']}")
        for goal in groups["goals"]
        for sub in goal["sub_goals"]
        for entry in sub["measures"]
    }


# --- documents (DOCX, PDF) ----------------------------------------------------------


def figures_rows(report: dict) -> list[tuple[str, str]]:
    """The participation in figures, for the first page: people, forums, contributions
    (by kind, in words with their plurals), people and ballots by phone, rounds."""
    p = report["participation"]
    kinds = p.get("items_by_kind", {})
    words = {
        "need": lambda n: ngettext("%(n)d need", "%(n)d needs", n),
        "goal": lambda n: ngettext("%(n)d goal", "%(n)d goals", n),
        "measure": lambda n: ngettext("%(n)d measure", "%(n)d measures", n),
    }
    split = " · ".join(words[k](kinds[k]) % {"n": kinds[k]} for k in words if kinds.get(k))
    rows = [
        (_("Participants"), str(p["participants"])),
        (_("Forums"), str(p["forums"])),
        (_("Contributions"), f"{p['items']} ({split})" if split else str(p["items"])),
        (_("Voting rounds"), str(p.get("rounds", 0))),
        (_("People who voted by phone"), str(p["voters"])),
        (_("Ballots cast by phone (one per person and round)"), str(p.get("ballots", 0))),
        (_("Created"), datetime_text(report["generated"])),
    ]
    return rows


def chain_lines(entry: dict) -> list[str]:
    """How a measure came about, each need and goal by its number as on the wall and the
    ballots: "Bedarf #3 … → Ziel #5 … → Maßnahme #12"; one line per goal it answers."""
    need, goal, measure = (kind_label(k) for k in ("need", "goal", "measure"))
    lines = []
    for g in entry.get("goals", []):
        parts = []
        if g["needs"]:
            parts.append(
                f"{need} " + "; ".join(f"#{n['id']} {isolate(n['text'])}" for n in g["needs"])
            )
        parts.append(f"{goal} #{g['id']} {isolate(g['text'])}")
        parts.append(f"{measure} #{entry['id']}")
        lines.append(" → ".join(parts))
    return lines


def adopted_only(field: dict) -> dict:
    """The field with only its adopted measures (the documentation lists every measure)."""
    return {**field, "measures": [e for e in field["measures"] if e["decision"] == "adopted"]}


def decided_blocks(report: dict) -> list[tuple]:
    """The first page's account of what was decided: the count, then per action field
    each adopted measure with its number, its German version, its chain and its lead."""
    out: list[tuple] = [("h2", _("What was decided"))]
    fields = [f for f in map(adopted_only, report["fields"]) if f["measures"]]
    count = sum(len(f["measures"]) for f in fields)
    if not count:
        nothing = report["kind"] == DOCUMENTATION and not report["participation"]["items"]
        out.append(
            (
                "para",
                _("This conference has no contributions yet.")
                if nothing
                else _("This conference has no adopted measures yet."),
            )
        )
        return out
    out.append(
        (
            "para",
            ngettext(
                "The conference adopted %(n)d measure in %(fields)s.",
                "The conference adopted %(n)d measures in %(fields)s.",
                count,
            )
            % {
                "n": count,
                "fields": ngettext("%(n)d action field", "%(n)d action fields", len(fields))
                % {"n": len(fields)},
            },
        )
    )
    lead = detail_labels()["lead"]
    for field in fields:
        out.append(("h3", isolate(field["title"])))
        for entry in field["measures"]:
            out.append(("bullet", f"#{entry['id']} {isolate(entry['text'])}"))
            if entry.get("german"):
                out.append(("bullet", "    " + german_line(entry["german"])))
            out.extend(("bullet", "    " + line) for line in chain_lines(entry))
            named = isolate(entry["details"]["lead"]) or _("not named yet")
            out.append(("bullet", f"    {lead}: {named}"))
    return out


def blocks(report: dict) -> list[tuple]:
    """The report as a list of blocks that the DOCX and PDF writers both render:
    ("title", text), ("subtitle", text), ("h1"|"h2"|"h3"|"h4", text), ("para", text),
    ("bullet", text), ("table", headers or None, rows), ("chart", spec) (see ``charts``),
    ("pagebreak",). Text written by people or the city is isolated (``isolate``).

    The order is the council's (docs/exports.md): page 1 what was decided and the
    participation in figures; then the adopted measures in detail by action field; the
    documentation then the forums' work and, in an appendix, the measures not adopted or
    not decided. A section with nothing in it is left out, never "None."."""
    c = report["conference"]
    out: list[tuple] = [("title", isolate(c["title"]))]
    if c["motto"]:
        out.append(("subtitle", isolate(c["motto"])))
    if conference_line(report):
        out.append(("para", conference_line(report)))
    out.append(("h1", export_title(report)))
    out.extend(decided_blocks(report))
    out.append(("h2", _("Participation in figures")))
    out.append(("table", None, [list(row) for row in figures_rows(report)]))
    documentation = report["kind"] == DOCUMENTATION
    labels = detail_labels()

    def measure(entry: dict, level: str) -> None:
        heading = f"#{entry['id']} {isolate(entry['text'])}"
        out.append((level, heading))
        if entry.get("german"):
            out.append(("para", german_line(entry["german"])))
        out.append(
            (
                "para",
                _("Decision: %(d)s · Forum: %(f)s")
                % {"d": decision_label(entry["decision"]), "f": isolate(entry["forum"])},
            )
        )
        if entry["origin"]:
            out.append(
                (
                    "para",
                    _("Brought in from %(c)s for evaluation.")
                    % {"c": isolate(entry["origin"]["conference_title"])},
                )
            )
        for goal in entry["goals"]:
            out.append(
                (
                    "bullet",
                    _("Answers the goal: %(g)s") % {"g": f"#{goal['id']} {isolate(goal['text'])}"},
                )
            )
            for need in goal["needs"]:
                out.append(
                    (
                        "bullet",
                        "    "
                        + _("which answers the need: %(n)s")
                        % {"n": f"#{need['id']} {isolate(need['text'])}"},
                    )
                )
        rows = [[labels[name], isolate(entry["details"][name]) or "–"] for name in DETAIL_FIELDS]
        impl = entry["implementation"]
        rows.append(
            [
                _("Implementation status"),
                f"{implementation_label(impl['status'])}, {impl['progress']} %",
            ]
        )
        out.append(("table", None, rows))
        for update in impl["updates"]:
            out.append(("bullet", f"{date_text(update['date'])}: {isolate(update['text'])}"))
        if entry["results"]:
            rows = [[isolate(round_label(r)), result_detail(r)] for r in entry["results"]]
            out.append(("table", [_("Voting round"), _("Result")], rows))

    # The adopted measures in detail: action field → guiding goal → sub-goal → measure.
    for field in map(adopted_only, report["fields"]):
        if not field["measures"]:
            continue
        out.append(("pagebreak",))
        out.append(("h1", isolate(field["title"])))
        if field["description"]:
            out.append(("para", isolate(field["description"])))
        groups = measure_groups(report, field)
        if groups is None:
            for entry in field["measures"]:
                measure(entry, "h2")
            continue
        for goal in groups["goals"]:
            subs = [sub for sub in goal["sub_goals"] if sub["measures"]]
            if not subs:
                continue
            out.append(("h2", goal["heading"]))
            for sub in subs:
                out.append(("h3", sub["heading"]))
                for entry in sub["measures"]:
                    measure(entry, "h4")
        if groups["unlinked"]:
            out.append(("h2", _("Without a guiding goal")))
            for entry in groups["unlinked"]:
                measure(entry, "h3")
    if not documentation:
        return out
    out.extend(forum_blocks(report))
    # The appendix: what the conference did not adopt, by decision, each in full.
    others = [
        (
            decision,
            [e for f in report["fields"] for e in f["measures"] if e["decision"] == decision],
        )
        for decision in ("rejected", "undecided")
    ]
    if any(entries for _decision, entries in others):
        out.append(("pagebreak",))
        out.append(("h1", _("Appendix: measures not adopted")))
        headings = {"rejected": _("Not adopted"), "undecided": _("Not decided")}
        for decision, entries in others:
            if entries:
                out.append(("h2", headings[decision]))
                for entry in entries:
                    measure(entry, "h3")
    return out


def forum_blocks(report: dict) -> list[tuple]:
    """The forums' work: who took part (charts), then per forum its figures, its needs,
    goals and measures by number, its voting rounds with the items they voted on and
    their ranking charts. Lists with nothing in them are left out."""
    out: list[tuple] = [("pagebreak",), ("h1", _("The forums' work"))]
    out.extend(("chart", spec) for spec in participation_charts(report))
    groups = report["participation"]["participants_by_group"]
    if groups:
        out.append(("h2", _("Participants per stakeholder group")))
        out.append(("table", None, [[group_label(g), str(n)] for g, n in groups.items()]))
    entries = {
        e["id"]: e
        for f in report["fields"]
        for e in (*f["measures"], *f.get("goals", []), *f.get("needs", []))
    }
    kinds = dict(Forum.Kind.choices)
    figures = forum_rows(report)
    headings = {"need": _("Needs"), "goal": _("Goals"), "measure": _("Measures")}
    for index, forum in enumerate(report["forums"]):
        # the kind in brackets only where the title does not say it ("Plenum", not
        # "Plenum (Plenum)")
        kind = kinds[forum["kind"]]
        said = str(kind).casefold() in forum["title"].casefold()
        out.append(("h2", isolate(forum["title"]) + ("" if said else f" ({kind})")))
        out.append(
            (
                "table",
                None,
                [
                    [label, str(value)]
                    for label, value in zip(
                        forum_columns(report)[1:], figures[index][1:], strict=False
                    )
                    if value != ""
                ],
            )
        )
        own = [entries[i] for i in forum["items"] if i in entries]
        for item_kind, heading in headings.items():
            listed = [e for e in own if e["kind"] == item_kind]
            if not listed:
                continue
            out.append(("h3", heading))
            for entry in listed:
                line = f"#{entry['id']} {isolate(entry['text'])}"
                if item_kind == "measure":
                    line += " – " + decision_label(entry["decision"])
                elif entry["refs"]:
                    line += " – " + _("answers %(refs)s") % {
                        "refs": ", ".join(f"#{r}" for r in entry["refs"])
                    }
                out.append(("bullet", line))
                if entry.get("german"):
                    out.append(("bullet", "    " + german_line(entry["german"])))
                if item_kind != "measure":  # a measure's results are with it in full
                    for r in entry["results"]:
                        out.append(("bullet", f"    {isolate(round_label(r))}: {result_detail(r)}"))
        if forum["rounds"]:
            out.append(("h3", _("Voting rounds")))
        for round_ in forum["rounds"]:
            out.append(
                (
                    "bullet",
                    _("Round %(id)d: %(method)s, %(voters)d voting by phone%(open)s")
                    % {
                        "id": round_["id"],
                        "method": method_label(round_["method"]),
                        "voters": round_["voters"],
                        "open": ""
                        if round_["status"] == "closed"
                        else " (" + _("round still open") + ")",
                    },
                )
            )
            # the items it voted on, by their text wherever they live (exports/data.py)
            for item_id in round_["items"]:
                text = round_.get("texts", {}).get(str(item_id)) or "–"
                out.append(("bullet", f"    #{item_id} {isolate(text)}"))
        for round_ in forum["rounds"]:
            spec = ranking_chart(report, forum, round_)
            if spec:
                out.append(("chart", spec))
    return out


# --- charts (DOCX, PDF; drawn by ``charts``) -----------------------------------------
# A chart is a dict: "title", "labels" (one bar or group of bars each, top to bottom),
# "series" [(name, values)], "stacked" (bars of a label on top of each other, else side
# by side), "unit" (the axis' label) and "alt" (the figures as a sentence, for those who
# do not see the picture).


def _alt(spec: dict) -> dict:
    names = len(spec["series"]) > 1
    parts = []
    for index, label in enumerate(spec["labels"]):
        values = ", ".join(
            f"{name} {values[index]}" if names else str(values[index])
            for name, values in spec["series"]
        )
        parts.append(f"{label}: {values}")
    spec["alt"] = f"{spec['title']}. " + "; ".join(parts)
    return spec


def ranking_chart(report: dict, forum: dict, round_: dict) -> dict | None:
    """A round's ranking as horizontal bars, the first place on top, each bar labelled
    with its item's number and text; None for a round without items."""
    texts, totals = {}, {}
    for field in report["fields"]:
        for entry in field_entries(report, field):
            texts[entry["id"]] = entry["text"]
            for result in entry["results"]:
                if result["round"] == round_["id"]:
                    if result["total"] is not None:  # None: a secret round not revealed yet
                        totals[entry["id"]] = result["total"]
    items = [i for i in round_["items"] if i in totals]
    if not items:
        return None
    method = round_["method"]
    title = _("Round %(id)d, %(forum)s: %(method)s") % {
        "id": round_["id"],
        "forum": forum["title"],
        "method": method_label(method),
    }
    series, unit, stacked = method_of(method).chart(totals, items)
    return _alt(
        {
            "title": title,
            "labels": [
                f"{place}. #{i} {isolate(texts.get(i, ''))}".strip()
                for place, i in enumerate(items, start=1)
            ],
            "series": [(name, [totals[i].get(key) or 0 for i in items]) for name, key in series],
            "stacked": stacked,
            "unit": unit,
        }
    )


def participation_charts(report: dict) -> list[dict]:
    """Who took part: per forum (people who proposed, people who voted by phone) and
    per stakeholder group (participants; small groups under "other")."""
    p = report["participation"]
    charts = []
    per_forum = p.get("per_forum", [])
    if per_forum:
        charts.append(
            _alt(
                {
                    "title": _("Participation per forum"),
                    "labels": [f["title"] for f in per_forum],
                    "series": [
                        (_("People who proposed"), [f["proposers"] for f in per_forum]),
                        (_("People who voted by phone"), [f["voters"] for f in per_forum]),
                    ],
                    "stacked": False,
                    "unit": _("People"),
                }
            )
        )
    groups = p["participants_by_group"]
    if groups:
        charts.append(
            _alt(
                {
                    "title": _("Participants per stakeholder group"),
                    "labels": [group_label(g) for g in groups],
                    "series": [(_("Participants"), list(groups.values()))],
                    "stacked": False,
                    "unit": _("People"),
                }
            )
        )
    return charts
