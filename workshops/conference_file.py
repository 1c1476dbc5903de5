"""The conference file as the organiser downloads it: the same TOML ``load_conference``
reads (docs/conference.example.toml), written from the database.

Only what a file can describe is written: the details, the action fields with their
guiding goals and sub-goals, and the forums with their codes, rooms and times. Accounts
are not: moderators join a conference by invitation, never by a file passed around.
Loading the file into an empty database and writing it again gives the same text.
"""

import datetime

from workshops.models import Conference


def conference_data(conference: Conference) -> dict:
    """The conference as the dict ``load_conference`` takes (keys in the file's order)."""
    details = {
        "slug": conference.slug,
        "title": conference.title,
        "motto": conference.motto,
        "date": conference.date,
        "venue": conference.venue,
        "stakeholder_groups": list(conference.stakeholder_groups),
        "languages": list(conference.languages),
    }
    fields = []
    for field in conference.fields.order_by("position", "id").prefetch_related(
        "guiding_goals__sub_goals"
    ):
        entry = {"title": field.title, "description": field.description}
        goals = [
            {"title": goal.title, "sub_goals": [sub.title for sub in goal.sub_goals.all()]}
            for goal in field.guiding_goals.all()
        ]
        if goals:
            entry["guiding_goals"] = goals
        fields.append(entry)
    forums = []
    for forum in conference.forums.order_by("position", "id").prefetch_related("fields"):
        entry = {
            "title": forum.title,
            "kind": forum.kind,
            "fields": [
                f.title for f in sorted(forum.fields.all(), key=lambda f: (f.position, f.pk))
            ],
            "code": forum.code,
            "room": forum.room,
        }
        if forum.starts_at is not None:
            entry["start"] = forum.starts_at
        if forum.ends_at is not None:
            entry["end"] = forum.ends_at
        forums.append(entry)
    return {"conference": details, "fields": fields, "forums": forums}


def _string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _value(value) -> str:
    # datetime.datetime never occurs: the file has dates and times of day only.
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S")  # a TOML local time
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _table(lines: list[str], data: dict, indent: str = "") -> None:
    for key, value in data.items():
        if value is None or isinstance(value, list) and value and isinstance(value[0], dict):
            continue
        lines.append(f"{indent}{key} = {_value(value)}")


def conference_toml(conference: Conference) -> str:
    """The conference file as TOML text."""
    data = conference_data(conference)
    lines = [
        f"# {conference.title}: the conference file of Mitwirken",
        "# (load it with: python manage.py load_conference FILE, or import it on /organize/)",
        "",
        "[conference]",
    ]
    _table(lines, data["conference"])
    for field in data["fields"]:
        lines += ["", "[[fields]]"]
        _table(lines, field)
        for goal in field.get("guiding_goals", []):
            lines += ["", "  [[fields.guiding_goals]]"]
            _table(lines, goal, "  ")
    for forum in data["forums"]:
        lines += ["", "[[forums]]"]
        _table(lines, forum)
    return "\n".join(lines) + "\n"
