"""The client-to-server frames of docs/protocol.md, validated in one place.

``parse`` turns raw text into a ``Command`` or raises ``ProtocolError`` with the
protocol's error code and a message a person can read. Nothing reaches a service before
it has passed here; the services still check the domain rules (role, state, limits).
A ``moderate`` frame's fields are read by its action's declaration
(workshops/commands.py), the same that reads the console's form.
"""

import json
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from workshops.commands import ACTIONS
from workshops.exceptions import ServiceError
from workshops.params import CONTROL, MAX_DB_ID, MAX_NUMBER, checked_text, is_id, is_int
from workshops.services.items import MAX_REFS

MAX_FRAME_BYTES = 16 * 1024  # over this the connection closes with 1009
MAX_ID_LENGTH = 64

COMMAND_TYPES = {"propose", "vote", "sync", "moderate", "ping", "own"}
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


def _in_range(value) -> bool:
    return is_int(value) and -MAX_NUMBER - 1 <= value <= MAX_NUMBER


def _number_error(name: str, command_id) -> ProtocolError:
    return ProtocolError(
        "invalid", _("The field “%(name)s” must be a whole number.") % {"name": name}, command_id
    )


def _require_int(
    frame: dict, name: str, command_id, *, minimum: int = 0, maximum: int = MAX_NUMBER
) -> int:
    value = frame.get(name)
    if not is_int(value) or not minimum <= value <= maximum:
        raise _number_error(name, command_id)
    return value


def _require_id(frame: dict, name: str, command_id) -> int:
    """An id of a row (item, round, action field): 1 to the largest 64-bit integer."""
    return _require_int(frame, name, command_id, minimum=1, maximum=MAX_DB_ID)


def _check_text(value: str, name: str, command_id) -> str:
    try:
        return checked_text(value, name)
    except ServiceError as exc:
        raise ProtocolError(exc.code, exc.message, command_id) from None


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
        and not CONTROL.search(raw_id)
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
    fields = {"action": action, "item": _require_id(frame, "item", command_id)}
    if action == "edit":
        fields["text"] = _require_str(frame, "text", command_id)
    return fields


def _parse_propose(frame: dict, command_id: str) -> dict:
    refs = frame.get("refs", [])
    if refs is None:
        refs = []
    if not isinstance(refs, list) or not all(is_id(r) for r in refs):
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
    if sub_goal is not None and not is_id(sub_goal):
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
    """A moderator action: its fields as its declaration reads them (workshops/commands.py)."""
    action = frame.get("action")
    if not isinstance(action, str) or action not in ACTIONS:
        raise ProtocolError("invalid", _("Unknown moderator action."), command_id)
    try:
        return {"action": action, **ACTIONS[action].from_frame(frame)}
    except ServiceError as exc:
        raise ProtocolError(exc.code, exc.message, command_id) from None
