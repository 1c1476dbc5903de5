"""Typed, bounded parameters of a command, read at the edge: from a socket frame (JSON
values) or from a form POST (text). One ``Param`` knows both readings, so a console form
and its socket command can never read the same field differently; a service only ever
receives the typed value.

A value that cannot be read raises ``ServiceError`` (``invalid``) with the field's name;
the socket turns it into the frame's ``invalid`` ack (docs/protocol.md, "Bounds at the
edge"), the console into its message.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from workshops.exceptions import ServiceError

# Ids and revs are bounded by the signed 64-bit columns that hold them (BigAutoField,
# PositiveBigIntegerField); every other number (vote values, budgets, seconds, counts) by
# the signed 32-bit range, which holds each of them; the services check their own,
# narrower ranges.
MAX_DB_ID = 2**63 - 1
MAX_NUMBER = 2**31 - 1
# No text of a command is longer than this before any cleaning: far above every
# service's own limit (which says its number), far below what a frame or a form holds.
MAX_TEXT = 5000
# Control characters (C0 and C1, NUL among them) and lone surrogates, which no database
# stores as text: refused in command ids and every other string of a frame; texts may
# hold tabs and line breaks.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_FORM_INT = re.compile(r"-?[0-9]+")


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_id(value) -> bool:
    return is_int(value) and 0 < value <= MAX_DB_ID


def refuse(message, name: str):
    """``message``: a text, or a function giving it (one built with numbers at import
    time would be translated into the language active then)."""
    raise ServiceError(
        ServiceError.INVALID, message() if callable(message) else message, field=name
    )


def not_a_number(name: str):
    refuse(_("The field “%(name)s” must be a whole number.") % {"name": name}, name)


def not_a_flag(name: str):
    refuse(_("“%(name)s” must be true or false.") % {"name": name}, name)


def checked_text(value: str, name: str) -> str:
    """A text of a frame: no control characters (tabs and line breaks are fine)."""
    if CONTROL_IN_TEXT.search(value):
        refuse(
            _("The field “%(name)s” contains characters that are not allowed.") % {"name": name},
            name,
        )
    return value


_MISSING = object()


@dataclass(frozen=True)
class Param:
    """One field of a command. ``optional``: it may be left out (or null, or empty on a
    form) and is then ``default``."""

    name: str
    optional: bool = False
    default: object = None
    # How static/js/moderate.js turns the form's value into the frame's (see ``kind``).
    kind = "text"

    def from_frame(self, frame: dict):
        value = frame.get(self.name, _MISSING)
        if self.optional and (value is _MISSING or (value is None and self.default is None)):
            return self.default  # null stands for "none" only where none is the default
        return self.frame_value(None if value is _MISSING else value)

    def from_form(self, post):
        raw = post.get(self.name)
        if self.optional and raw in (None, ""):
            return self.default
        return self.form_value(raw or "")

    def frame_value(self, value):
        raise NotImplementedError

    def form_value(self, raw: str):
        raise NotImplementedError

    def describe(self) -> dict:
        """What a page's script needs to build the frame from the form."""
        return {"name": self.name, "kind": self.kind, "default": self.default}


@dataclass(frozen=True)
class Number(Param):
    """A whole number from ``low`` to ``high``."""

    low: int = -MAX_NUMBER - 1
    high: int = MAX_NUMBER
    # What a person reads instead of "must be a whole number", where a form says more.
    message: object = None
    kind = "number"

    def frame_value(self, value):
        if not is_int(value) or not self.low <= value <= self.high:
            if self.message is not None:
                refuse(self.message, self.name)
            not_a_number(self.name)
        return value

    def form_value(self, raw: str):
        raw = raw.strip()
        return self.frame_value(int(raw) if _FORM_INT.fullmatch(raw) else None)


@dataclass(frozen=True)
class Id(Number):
    """The id of a row (item, round, action field): 1 to the largest 64-bit integer
    (``low=0`` where 0 names something, as a consent round's Passivlösung)."""

    low: int = 1
    high: int = MAX_DB_ID


@dataclass(frozen=True)
class Ids(Param):
    """A list of ids, at most ``max_count`` (a form sends the field once per id)."""

    max_count: int = 20
    # The messages this list has always had on the wire.
    not_ids: object = None
    too_many: object = None
    kind = "ids"

    def frame_value(self, value):
        if not isinstance(value, list) or not all(map(is_id, value)):
            refuse(self.not_ids, self.name)
        if len(value) > self.max_count:
            refuse(self.too_many, self.name)
        return value

    def from_form(self, post):
        raw = [r for r in post.getlist(self.name) if r != ""]
        if not raw and self.optional:
            return self.default
        values = []
        for r in raw:
            r = r.strip()
            values.append(int(r) if r.isascii() and r.isdigit() else None)
        return self.frame_value(values)


@dataclass(frozen=True)
class Flag(Param):
    """Yes or no: ``true``/``false`` in a frame, ``1``/``0`` in a form (a checkbox left
    empty is ``default``). Anything else is refused, not read as "no"."""

    kind = "flag"

    def frame_value(self, value):
        if not isinstance(value, bool):
            not_a_flag(self.name)
        return value

    def form_value(self, raw: str):
        if raw not in ("0", "1"):
            refuse(_("This choice is not valid."), self.name)
        return raw == "1"


@dataclass(frozen=True)
class Decision(Param):
    """Yes, no, or not decided: ``true``/``false``/``null`` (a form: ``1``/``0``/else)."""

    optional: bool = True
    kind = "decision"

    def frame_value(self, value):
        if value is not None and not isinstance(value, bool):
            not_a_flag(self.name)
        return value

    def form_value(self, raw: str):
        return {"1": True, "0": False}.get(raw)


@dataclass(frozen=True)
class Text(Param):
    """A text of at most ``MAX_TEXT`` characters; the service trims it and holds it to
    its own limit with its own message. A form leaves an empty field as ""."""

    def frame_value(self, value):
        if not isinstance(value, str):
            refuse(_("The field “%(name)s” must be text.") % {"name": self.name}, self.name)
        if value == "" and self.optional:
            return self.default  # as a form's empty field
        return self._bounded(checked_text(value, self.name))

    def form_value(self, raw: str):
        # A form's text is cleaned by the service (text.clean_user_text drops control
        # characters a pasted text may carry); only its length is bounded here.
        return self._bounded(raw)

    def _bounded(self, value: str) -> str:
        if len(value) > MAX_TEXT:
            refuse(_("The field “%(name)s” is too long.") % {"name": self.name}, self.name)
        return value


@dataclass(frozen=True)
class Seconds(Param):
    """A duration in seconds, or None (0, empty: none). A frame gives ``seconds``; a
    form gives ``minutes`` as a person types them, with a decimal comma or point
    ("1,5"), and a frame may do the same (the console's script sends the form's text).
    ``message`` says the range when the minutes cannot be read."""

    optional: bool = True
    message: object = None
    kind = "minutes"

    def from_frame(self, frame: dict):
        if self.name not in frame and "minutes" in frame:
            if not isinstance(frame["minutes"], str):
                refuse(_("The field “%(name)s” must be text.") % {"name": "minutes"}, "minutes")
            return self.minutes(checked_text(frame["minutes"], "minutes"))
        value = frame.get(self.name)
        if value is None:
            return None
        if not is_int(value) or not -MAX_NUMBER - 1 <= value <= MAX_NUMBER:
            not_a_number(self.name)
        return value or None

    def from_form(self, post):
        return self.minutes(post.get("minutes", ""))

    def minutes(self, raw: str) -> int | None:
        raw = raw.strip().replace(",", ".")
        if raw in ("", "0"):
            return None
        try:
            seconds = round(float(raw) * 60)
        except (ValueError, OverflowError):  # "soon", "nan", "inf"
            refuse(self.message, self.name)
        if not -MAX_NUMBER - 1 <= seconds <= MAX_NUMBER:
            refuse(self.message, self.name)
        return seconds

    def describe(self) -> dict:
        return {"name": "minutes", "kind": self.kind, "default": ""}
