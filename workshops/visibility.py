"""What each audience may see of an item and of a round's tally: the one rule.

Every exit that shows an item or a tally asks here: the snapshot and the live events
(realtime/hub.py), the replay of the event log on ``sync`` (``selectors.events_since``), the
ballots, results and console (``selectors.rounds_for_page``), the projector, the pages
and the exports (docs/accessibility-privacy.md, "What each audience sees").

The audiences:

- ``moderator``: everything, hidden and merged items with their text (to restore them),
  and the running tally of a secret round (to decide when to reveal it);
- ``participant`` (a phone) and ``screen`` (the projector): shown items only, and a
  secret round's tally once it is revealed or closed;
- ``public``: what anybody may read without joining: the status page and every export
  (an export is a document that leaves the room, whoever downloads it), with the same
  limits as the room.

The author's name: phones and the console show it next to a proposal; the projector only
when the author chose so when joining (``Participant.name_on_screen``, ``shows_author``);
a name on the wall of a hall is read by everyone in it, a name on a phone by those who
look for it.

An item that is not shown (hidden or merged) keeps its place where it has one (a line of
a ballot, a result, an id in an event) but none of what a person wrote: no text, no
author, no details. A stored event is never served as it was stored: its item is read
again and passed through this rule when it is replayed (``selectors.replay_frames``), so an
edited item's earlier text and a hidden item's text do not come back from the log.
"""

from workshops.models import Item

MODERATOR = "moderator"
PARTICIPANT = "participant"
SCREEN = "screen"
PUBLIC = "public"
AUDIENCES = (MODERATOR, PARTICIPANT, SCREEN, PUBLIC)

# What an audience that may not see an item still learns of it: where it was and that
# it is gone (a client removes it; a ballot keeps its line).
UNSHOWN_KEEPS = ("id", "field", "kind", "status", "merged_into", "refs", "forum")


def sees_unshown(audience: str) -> bool:
    """Whether this audience sees hidden and merged items with their text."""
    return audience == MODERATOR


def shown_statuses(audience: str) -> list[str]:
    """The item statuses this audience sees with their text (for queries)."""
    if sees_unshown(audience):
        return [Item.Status.VISIBLE, Item.Status.HIDDEN, Item.Status.MERGED]
    return [Item.Status.VISIBLE]


def shows_text(audience: str, status) -> bool:
    return sees_unshown(audience) or status == Item.Status.VISIBLE


def shows_author(audience: str, name_on_screen: bool) -> bool:
    """Whether this audience sees the author's name next to a shown item: everyone but
    the projector; the projector only when the author agreed (``name_on_screen``)."""
    return audience != SCREEN or bool(name_on_screen)


def author_for(audience: str, item: Item) -> str:
    """The author's name of a shown item as this audience may see it ("" for none), for
    the server-rendered walls (the template tag ``item_author``)."""
    author = item.author if item.author_id else None
    if author is None or not shows_author(audience, author.name_on_screen):
        return ""
    return author.display_name


def item_for(audience: str, data: dict) -> dict:
    """An item's wire data (``selectors.item_data``) as this audience may see it."""
    if shows_text(audience, data.get("status")):
        if data.get("author") and not shows_author(audience, data.get("name_on_screen")):
            return {**data, "author": ""}
        return data
    reduced = {k: data[k] for k in UNSHOWN_KEEPS if k in data}
    reduced.update(text="", author="")
    return reduced


def is_item_event(name: str) -> bool:
    return name.startswith("item.") and name != "item.removed"


def frame_for(audience: str, frame: dict) -> dict:
    """An ``event`` frame as this audience may see it. Live events carry the item as it
    is now; replayed ones go through ``selectors.replay_frames`` first."""
    data = frame.get("data")
    if not is_item_event(frame.get("name", "")) or not isinstance(data, dict):
        return frame
    shown = item_for(audience, data)
    return frame if shown is data else {**frame, "data": shown}


def tally_visible(audience: str, round_data: dict) -> bool:
    """Whether this audience sees a round's tally: a secret round shows it to
    moderators only, until it closes or the moderator reveals it; exports (``public``)
    follow the room."""
    return (
        audience == MODERATOR
        or not round_data.get("secret")
        or round_data.get("status") == "closed"
        or bool(round_data.get("revealed"))
    )
