"""The client-to-server frames of docs/protocol.md, validated in one place.

``parse`` turns raw text into a ``Command`` or raises ``ProtocolError`` with the
protocol's error code and a message a person can read. Nothing reaches a service before
it has passed here; the services still check the domain rules (role, state, limits).
"""

import json
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

MAX_FRAME_BYTES = 16 * 1024  # over this the connection closes with 1009
MAX_ID_LENGTH = 64
MAX_REFS = 20
# Every number is bounded here, before any of it reaches the database: ids and revs by
# the signed 64-bit columns that hold them (BigAutoField, PositiveBigIntegerField), every
# other number (vote values, budgets, seconds, counts) by the signed 32-bit range, which
# holds each of them; the services check their own, narrower ranges.
MAX_DB_ID = 2**63 - 1
MAX_NUMBER = 2**31 - 1
# Control characters (C0 and C1, NUL among them) and lone surrogates, which no database
# stores as text: refused in command ids and every other string of a command; texts
# may hold tabs and line breaks.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

COMMAND_TYPES = {"propose", "vote", "sync", "moderate", "ping", "own"}
ITEM_ACTIONS = {"hide", "restore", "edit", "merge", "shortlist", "adopt"}
ROUND_ACTIONS = {"open_round", "close_round", "reopen_round", "reveal_round", "analog"}
FORUM_ACTIONS = {"proposals", "phase", "timer", "announce"}
MODERATE_ACTIONS = ITEM_ACTIONS | ROUND_ACTIONS | FORUM_ACTIONS
# A participant's own proposal (docs/protocol.md, an addition): edit its text, withdraw it.
OWN_ACTIONS = {"edit", "withdraw"}


class ProtocolError(Exception):
    def __init__(self, code: str, message, command_id: str | None = None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.command_id = command_id


@dataclass(frozen=True)
class Command:
    type: str
    id: str | None
    fields: dict = field(default_factory=dict)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value) -> bool:
    return _is_int(value) and 0 < value <= MAX_DB_ID


def _in_range(value) -> bool:
    return _is_int(value) and -MAX_NUMBER - 1 <= value <= MAX_NUMBER


def _number_error(name: str, command_id) -> ProtocolError:
    return ProtocolError(
        "invalid", _("The field “%(name)s” must be a whole number.") % {"name": name}, command_id
    )


def _require_int(
    frame: dict, name: str, command_id, *, minimum: int = 0, maximum: int = MAX_NUMBER
) -> int:
    value = frame.get(name)
    if not _is_int(value) or not minimum <= value <= maximum:
        raise _number_error(name, command_id)
    return value


def _require_id(frame: dict, name: str, command_id) -> int:
    """An id of a row (item, round, action field): 1 to the largest 64-bit integer."""
    return _require_int(frame, name, command_id, minimum=1, maximum=MAX_DB_ID)


def _optional_int(frame: dict, name: str, command_id, default=None):
    value = frame.get(name, default)
    if value is not None and not _in_range(value):
        raise _number_error(name, command_id)
    return value


def _check_text(value: str, name: str, command_id) -> str:
    if _CONTROL_IN_TEXT.search(value):
        raise ProtocolError(
            "invalid",
            _("The field “%(name)s” contains characters that are not allowed.") % {"name": name},
            command_id,
        )
    return value


def _require_str(frame: dict, name: str, command_id) -> str:
    """A text field; its length is the service's business (the frame limit bounds it)."""
    value = frame.get(name)
    if not isinstance(value, str):
        raise ProtocolError(
            "invalid", _("The field “%(name)s” must be text.") % {"name": name}, command_id
        )
    return _check_text(value, name, command_id)


def parse(text: str) -> Command:
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("invalid", _("This message could not be read.")) from None
    if not isinstance(frame, dict):
        raise ProtocolError("invalid", _("This message could not be read."))
    raw_id = frame.get("id")
    command_id = (
        raw_id
        if isinstance(raw_id, str)
        and 1 <= len(raw_id) <= MAX_ID_LENGTH
        and not _CONTROL.search(raw_id)
        else None
    )
    kind = frame.get("type")
    if not isinstance(kind, str) or kind not in COMMAND_TYPES:  # a list or dict is not hashable
        raise ProtocolError("invalid", _("Unknown message type."), command_id)
    if kind == "ping":
        return Command("ping", command_id)
    if command_id is None:
        raise ProtocolError("invalid", _("Every command needs an id of 1 to 64 characters."), None)
    if kind == "sync":
        rev = _require_int(frame, "rev", command_id, maximum=MAX_DB_ID)
        return Command("sync", command_id, {"rev": rev})
    if kind == "propose":
        return Command("propose", command_id, _parse_propose(frame, command_id))
    if kind == "vote":
        value = frame.get("value")
        if value is not None and not _in_range(value):
            raise ProtocolError(
                "invalid", _("The vote must be a whole number or null."), command_id
            )
        return Command(
            "vote",
            command_id,
            {
                "round": _require_id(frame, "round", command_id),
                "item": _require_id(frame, "item", command_id),
                "value": value,
            },
        )
    if kind == "own":
        return Command("own", command_id, _parse_own(frame, command_id))
    return Command("moderate", command_id, _parse_moderate(frame, command_id))


def _parse_own(frame: dict, command_id: str) -> dict:
    action = frame.get("action")
    if not isinstance(action, str) or action not in OWN_ACTIONS:
        raise ProtocolError("invalid", _("Unknown action."), command_id)
    fields = {"action": action, "item": _require_int(frame, "item", command_id, minimum=1)}
    if action == "edit":
        fields["text"] = _require_str(frame, "text", command_id)
    return fields


def _parse_propose(frame: dict, command_id: str) -> dict:
    refs = frame.get("refs", [])
    if refs is None:
        refs = []
    if not isinstance(refs, list) or not all(_is_id(r) for r in refs):
        raise ProtocolError("invalid", _("“refs” must be a list of item ids."), command_id)
    if len(refs) > MAX_REFS:
        raise ProtocolError("invalid", _("Too many links."), command_id)
    details = frame.get("details")
    if details is None:
        details = {}
    # Optional details of a measure (docs/protocol.md); the service checks names and lengths.
    if not isinstance(details, dict) or not all(isinstance(v, str) for v in details.values()):
        raise ProtocolError("invalid", _("“details” must be an object of texts."), command_id)
    for name, value in details.items():
        _check_text(name, "details", command_id)
        _check_text(value, "details", command_id)
    # Optional: the id of the city's sub-goal a goal or measure works towards (null: none).
    sub_goal = frame.get("sub_goal")
    if sub_goal is not None and not _is_id(sub_goal):
        raise _number_error("sub_goal", command_id)
    return {
        "field": _require_id(frame, "field", command_id),
        "kind": _require_str(frame, "kind", command_id),
        # The service trims and enforces the 500-character limit with its own message.
        "text": _require_str(frame, "text", command_id),
        "refs": refs,
        "details": details,
        "sub_goal": sub_goal,
    }


def _parse_moderate(frame: dict, command_id: str) -> dict:
    action = frame.get("action")
    if not isinstance(action, str) or action not in MODERATE_ACTIONS:
        raise ProtocolError("invalid", _("Unknown moderator action."), command_id)
    fields = {"action": action}
    if action in ITEM_ACTIONS:
        fields["item"] = _require_id(frame, "item", command_id)
    if action == "edit":
        fields["text"] = _require_str(frame, "text", command_id)
    if action == "merge":
        fields["into"] = _require_id(frame, "into", command_id)
    if action == "open_round":
        for name in ("method",):
            fields[name] = _require_str(frame, name, command_id)
        for name in ("items",):
            value = frame.get(name)
            if value is not None and not (isinstance(value, list) and all(map(_is_id, value))):
                raise ProtocolError("invalid", _("“items” must be a list of item ids."), command_id)
            fields[name] = value
        field_id = frame.get("field")
        if field_id is not None and not _is_id(field_id):
            raise _number_error("field", command_id)
        fields["field"] = field_id
        for name in ("budget", "per_item", "veto"):
            fields[name] = _optional_int(frame, name, command_id)
        kind = frame.get("kind")
        if kind is not None and not isinstance(kind, str):
            raise ProtocolError(
                "invalid", _("The field “%(name)s” must be text.") % {"name": "kind"}, command_id
            )
        fields["kind"] = kind if kind is None else _check_text(kind, "kind", command_id)
        for name, default in (("secret", False), ("allow_own", True)):
            value = frame.get(name, default)
            if not isinstance(value, bool):
                raise ProtocolError(
                    "invalid", _("“%(name)s” must be true or false.") % {"name": name}, command_id
                )
            fields[name] = value
    if action in ("close_round", "reopen_round", "reveal_round", "analog"):
        fields["round"] = _require_id(frame, "round", command_id)
    if action == "analog":
        # an option: an item's id, or 0 for a consent round's Passivlösung
        fields["item"] = _require_int(frame, "item", command_id, maximum=MAX_DB_ID)
        fields["count"] = _require_int(frame, "count", command_id, minimum=1)
        value = _optional_int(frame, "value", command_id, default=1)
        if value is None:
            raise _number_error("value", command_id)
        fields["value"] = value
        note = frame.get("note", "")
        if not isinstance(note, str):
            raise ProtocolError(
                "invalid", _("The field “%(name)s” must be text.") % {"name": "note"}, command_id
            )
        fields["note"] = _check_text(note, "note", command_id)
    if action == "shortlist":
        if not isinstance(frame.get("shortlisted"), bool):
            raise ProtocolError(
                "invalid",
                _("“%(name)s” must be true or false.") % {"name": "shortlisted"},
                command_id,
            )
        fields["shortlisted"] = frame["shortlisted"]
    if action == "adopt":
        if frame.get("adopted") is not None and not isinstance(frame.get("adopted"), bool):
            raise ProtocolError(
                "invalid", _("“%(name)s” must be true or false.") % {"name": "adopted"}, command_id
            )
        fields["adopted"] = frame.get("adopted")
    if action == "proposals":
        if not isinstance(frame.get("open"), bool):
            raise ProtocolError(
                "invalid", _("“%(name)s” must be true or false.") % {"name": "open"}, command_id
            )
        fields["open"] = frame["open"]
    if action == "phase":
        # which phases exist is the service's rule (one message for both doors)
        fields["phase"] = _require_str(frame, "phase", command_id)
    if action == "timer":
        fields["seconds"] = _optional_int(frame, "seconds", command_id)
    if action == "announce":
        fields["text"] = _require_str(frame, "text", command_id)
    return fields
