"""How the report reads: labels, result sentences, the table rows of XLSX and CSV and
the blocks of DOCX and PDF, all from ``data.conference_report``.

Text is in the active language (German by default), so an export speaks the language of
the page it was asked for from.
"""
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from workshops.exports.data import DOCUMENTATION
from workshops.models import Forum, Item, Round
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
    return str(dict(Round.Method.choices)[method])


def tally_text(method: str, tally: dict | None) -> str:
    """One tally as a short phrase, e.g. "yes 12 · no 3 · abstain 1"."""
    if not tally:
        return "–"
    if method == "support":
        return _("%(n)d supporters") % {"n": tally.get("support") or 0}
    if method == "dots":
        return _("%(n)d points") % {"n": tally.get("dots") or 0}
    if method == "consent":
        mean = tally.get("mean")
        return _("resistance %(sum)d (mean %(mean)s, %(votes)d votes)") % {
            "sum": tally.get("resistance") or 0,
            "mean": formats.number_format(mean, 1) if mean is not None else "–",
            "votes": tally.get("votes") or 0,
        }
    return _("yes %(yes)d · no %(no)d · abstain %(abstain)d") % {
        "yes": tally.get("yes") or 0, "no": tally.get("no") or 0, "abstain": tally.get("abstain") or 0,
    }


def result_text(result: dict) -> str:
    """A round's result for one item in one line: forum, method, total, paper votes,
    voters, and the groups."""
    text = f"{result['forum']}, {method_label(result['method'])}: {tally_text(result['method'], result['total'])}"
    extras = []
    if result.get("analog"):
        extras.append(_("of which on paper: %(t)s") % {"t": tally_text(result["method"], result["analog"])})
    extras.append(_("%(n)d voting by phone") % {"n": result["voters"]})
    if result["status"] == "open":
        extras.append(_("round still open"))
    if result.get("revealed") is False:  # a secret round still running (exports/data.py)
        extras.append(_("results not revealed yet"))
    text += " (" + "; ".join(extras) + ")"
    if result["groups"]:
        text += " – " + "; ".join(
            f"{group}: {tally_text(result['method'], tally)}" for group, tally in sorted(result["groups"].items())
        )
        if result["broad"]:
            text += " – " + _("carried by every group")
    return text


def date_text(iso: str | None) -> str:
    if not iso:
        return ""
    import datetime

    return formats.date_format(datetime.date.fromisoformat(iso), "DATE_FORMAT")


def conference_line(report: dict) -> str:
    c = report["conference"]
    return " · ".join(part for part in (date_text(c["date"]), c["venue"]) if part)


def export_title(report: dict) -> str:
    if report["kind"] == DOCUMENTATION:
        return _("Documentation of the results")
    return _("Adopted measures")


def group_label(group: str) -> str:
    return group or _("other or not given")


# --- tables (XLSX, CSV) -------------------------------------------------------------

def item_columns(report: dict) -> list[str]:
    labels = detail_labels()
    columns = [_("No."), _("Action field")]
    if report["kind"] == DOCUMENTATION:
        columns += [pgettext("export column", "Kind"), _("Forum")]
    columns += [_("Text"), _("Decision"), _("Goals it answers"), _("Needs behind them")]
    columns += [labels[name] for name in DETAIL_FIELDS]
    columns += [_("Implementation status"), _("Progress (%)"), _("Latest update"), _("Results")]
    if report["kind"] != DOCUMENTATION:
        columns.insert(3, _("Forum"))
    return columns


def item_row(report: dict, field: dict, entry: dict) -> list:
    """One item as a row under ``item_columns``. Numbers stay numbers."""
    measure = entry["kind"] == "measure"
    goals = entry.get("goals", [])
    needs = {n["id"]: n["text"] for g in goals for n in g["needs"]}
    updates = entry["implementation"]["updates"] if measure else []
    row = [entry["id"], field["title"]]
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
    if report["kind"] != DOCUMENTATION:
        row.insert(3, entry["forum"])
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
        (_("Created"), report["generated"]),
        (_("Participants"), p["participants"]),
    ]
    rows += [(_("Participants: %(group)s") % {"group": group_label(g)}, n) for g, n in p["participants_by_group"].items()]
    rows += [
        (_("People who voted by phone"), p["voters"]),
        (_("Contributions"), p["items"]),
        (_("Forums"), p["forums"]),
    ]
    for field in report["fields"]:
        label = _("Adopted measures: %(field)s") if report["kind"] != DOCUMENTATION else _("Measures: %(field)s")
        rows.append((label % {"field": field["title"]}, len(field["measures"])))
    return rows


def forum_columns(report: dict) -> list[str]:
    return [_("Forum"), _("Contributions"), _("People who proposed"), _("Voting rounds"),
            _("People who voted by phone"), _("Voters by group")]


def forum_rows(report: dict) -> list[list]:
    return [
        [f["title"], f["items"], f["proposers"], f["rounds"], f["voters"],
         "; ".join(f"{group_label(g)}: {n}" for g, n in f["voters_by_group"].items())]
        for f in report["participation"].get("per_forum", [])
    ]


# --- documents (DOCX, PDF) ----------------------------------------------------------

def blocks(report: dict) -> list[tuple]:
    """The report as a list of blocks that the DOCX and PDF writers both render:
    ("title", text), ("subtitle", text), ("h1"|"h2"|"h3", text), ("para", text),
    ("bullet", text), ("table", headers or None, rows), ("pagebreak",)."""
    c = report["conference"]
    out: list[tuple] = [("title", c["title"])]
    if c["motto"]:
        out.append(("subtitle", c["motto"]))
    if conference_line(report):
        out.append(("para", conference_line(report)))
    out.append(("h1", export_title(report)))
    out.append(("h2", _("Participation")))
    out.append(("table", None, [[label, str(value)] for label, value in overview_rows(report)
                                if label not in (_("Conference"), _("Export"))]))
    out.append(("pagebreak",))
    documentation = report["kind"] == DOCUMENTATION
    if not any(f["measures"] or f.get("goals") or f.get("needs") for f in report["fields"]):
        out.append(("para", _("This conference has no adopted measures yet.") if not documentation
                    else _("This conference has no contributions yet.")))
    labels = detail_labels()
    for field in report["fields"]:
        if not documentation and not field["measures"]:
            continue
        out.append(("h1", field["title"]))
        if field["description"]:
            out.append(("para", field["description"]))
        if documentation:
            out.append(("h2", _("Measures")))
            if not field["measures"]:
                out.append(("para", _("No measures.")))
        for entry in field["measures"]:
            out.append(("h3" if documentation else "h2", f"#{entry['id']} {entry['text']}"))
            decision = decision_label(entry["decision"])
            out.append(("para", _("Decision: %(d)s · Forum: %(f)s") % {"d": decision, "f": entry["forum"]}))
            if entry["origin"]:
                out.append(("para", _("Brought in from %(c)s for evaluation.") % {"c": entry["origin"]["conference_title"]}))
            for goal in entry["goals"]:
                out.append(("bullet", _("Answers the goal: %(g)s") % {"g": goal["text"]}))
                for need in goal["needs"]:
                    out.append(("bullet", "    " + _("which answers the need: %(n)s") % {"n": need["text"]}))
            rows = [[labels[name], entry["details"][name] or "–"] for name in DETAIL_FIELDS]
            impl = entry["implementation"]
            rows.append([_("Implementation status"), f"{implementation_label(impl['status'])}, {impl['progress']} %"])
            out.append(("table", None, rows))
            for update in impl["updates"]:
                out.append(("bullet", f"{date_text(update['date'])}: {update['text']}"))
            if entry["results"]:
                out.append(("table", [_("Voting round"), _("Result")],
                            [[f"{r['forum']}, {method_label(r['method'])}", result_text(r).split(": ", 1)[1]]
                             for r in entry["results"]]))
        if documentation:
            for key, heading in (("goals", _("Goals")), ("needs", _("Needs"))):
                out.append(("h2", heading))
                if not field[key]:
                    out.append(("para", _("None.")))
                for entry in field[key]:
                    line = f"#{entry['id']} {entry['text']} ({entry['forum']})"
                    if entry["refs"]:
                        line += " – " + _("answers %(refs)s") % {"refs": ", ".join(f"#{r}" for r in entry["refs"])}
                    out.append(("bullet", line))
                    for r in entry["results"]:
                        out.append(("bullet", "    " + result_text(r)))
    if documentation:
        out.append(("pagebreak",))
        out.append(("h1", _("Forums")))
        if not report["forums"]:
            out.append(("para", _("No forums.")))
        kinds = dict(Forum.Kind.choices)
        figures = forum_rows(report)
        for index, forum in enumerate(report["forums"]):
            out.append(("h2", f"{forum['title']} ({kinds[forum['kind']]})"))
            out.append(("table", None, [[label, str(value)] for label, value in zip(forum_columns(report)[1:],
                                                                                  figures[index][1:])]))
            for round_ in forum["rounds"]:
                out.append(("bullet", _("Round %(id)d: %(method)s, %(voters)d voting by phone%(open)s") % {
                    "id": round_["id"], "method": method_label(round_["method"]), "voters": round_["voters"],
                    "open": "" if round_["status"] == "closed" else " (" + _("round still open") + ")",
                }))
    return out
