"""The items on a phone page's wall, kept per forum and rev for every phone of the forum.

When a room arrives, hundreds of phones load the phone page within seconds and each
would read the same items through the ORM (with their authors, origins and references):
about as much of the server's time as rendering them (docs/performance.md, "Arrival").
Every change to a forum's items bumps its rev, which each page reads afresh, so the
items are kept while the rev stands, and for ``MAX_AGE`` seconds at most, like the shared
part of the socket's snapshot (``SharedSnapshots`` in realtime/consumer.py): an author's
new name shows within that. A plenary's wall also shows other forums' items, whose
changes bump their own revs: it is always read afresh. The pages' code runs in one thread
(config/asgi.py); the list and its items are only read.
"""

import time

from workshops import selectors
from workshops.models import Forum

MAX_AGE = 5.0


class WallItems:
    def __init__(self):
        self.entries: dict[tuple[int, str], tuple[int, float, list]] = {}

    def get(self, forum: Forum) -> list:
        """The forum's items as participants see them (``selectors.forum_items``)."""
        if forum.kind == Forum.Kind.PLENARY:
            return selectors.forum_items(forum, include_hidden=False)
        key, now = (forum.pk, forum.code), time.monotonic()
        entry = self.entries.get(key)
        if entry is not None and entry[0] == forum.rev and now - entry[1] < MAX_AGE:
            return entry[2]
        items = selectors.forum_items(forum, include_hidden=False)
        self.entries[key] = (forum.rev, now, items)
        return items

    def clear(self) -> None:
        self.entries.clear()


wall_items = WallItems()
