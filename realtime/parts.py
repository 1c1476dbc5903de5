"""Server frames larger than the WebSocket limit, sent in numbered parts.

Daphne refuses every WebSocket message over 16 KiB (``config/serve.py``), in both
directions: autobahn checks what the server sends too, and closes the socket (1011)
rather than send it. A snapshot of a busy forum (500 proposals of 500 characters: about
300 KB) or a tally of a round over hundreds of items is larger. Such a frame goes out as
``part`` frames, each within the limit, one after the other with nothing in between:

    {"type": "part", "message": 7, "n": 1, "of": 3, "data": "{\\"type\\":\\"snapshot\\",…"}

``data`` is a slice of the whole frame's JSON text; the client joins the ``data`` of
parts 1 to ``of`` of one ``message`` and reads the result as the frame it is. A frame
within the limit is sent as it is. See docs/protocol.md ("Large frames").

``Reassembler`` is the client side, for the Python clients (tests, the load generator);
``static/js/live.js`` does the same in the browser. This module needs no Django.
"""

import itertools
import json

LIMIT_BYTES = 16 * 1024  # the WebSocket limit of config/serve.py
# Room for the part's own fields around its data: {"type":"part","message":…,"n":…,"of":…}
PART_OVERHEAD = 96

_messages = itertools.count(1)
# The last few texts split, with their parts: the hub writes one encoded frame to every
# socket of a forum, so a large tally is split once, not once per phone. Kept by
# identity (the hub passes the same string object to each socket).
_recent: list[tuple[str, list[str]]] = []
RECENT = 4


def fits(text: str, limit: int = LIMIT_BYTES) -> bool:
    """Whether ``text`` goes out as one frame (UTF-8: at most four bytes a character)."""
    return len(text) * 4 <= limit or len(text.encode("utf-8")) <= limit


def _slices(text: str, budget: int) -> list[str]:
    """``text`` cut into slices whose JSON string encoding takes at most ``budget`` bytes."""
    slices, start = [], 0
    while start < len(text):
        size = budget
        while True:
            piece = text[start : start + size]
            encoded = len(json.dumps(piece, ensure_ascii=False).encode("utf-8"))
            if encoded <= budget:
                break
            # Escapes (quotes, backslashes) and multi-byte characters take more than a
            # byte; shrink in proportion, and by at least one character.
            size = max(1, min(size - 1, size * budget // encoded))
        slices.append(piece)
        start += len(piece)
    return slices


def split(text: str, limit: int = LIMIT_BYTES) -> list[str]:
    """The frames to send for ``text``: itself if it fits, else its parts in order."""
    if fits(text, limit):
        return [text]
    for seen, parts in _recent:
        if seen is text:
            return parts
    message = next(_messages)
    slices = _slices(text, limit - PART_OVERHEAD)
    parts = [
        json.dumps(
            {"type": "part", "message": message, "n": n, "of": len(slices), "data": piece},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for n, piece in enumerate(slices, 1)
    ]
    _recent.insert(0, (text, parts))
    del _recent[RECENT:]
    return parts


class Reassembler:
    """Joins ``part`` frames into the frame they carry: ``take`` returns each frame as
    the client should handle it, or None while a message's parts are still arriving."""

    def __init__(self):
        self.open: dict[int, dict[int, str]] = {}

    def take(self, frame: dict) -> dict | None:
        if frame.get("type") != "part":
            return frame
        got = self.open.setdefault(frame["message"], {})
        got[frame["n"]] = frame["data"]
        if len(got) < frame["of"]:
            return None
        del self.open[frame["message"]]
        return json.loads("".join(got[n] for n in range(1, frame["of"] + 1)))
