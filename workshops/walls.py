"""A phone page's wall, kept per forum and rev for every phone of the forum.

When a room arrives, hundreds of phones load the phone page within seconds. Each would
read the same items (with their authors, origins and references), action fields and
guiding goals through the ORM and render the same wall through Django's templates: most
of the page's server time (docs/performance.md, "Arrival"). Every change to a forum's
items bumps its rev, which each page reads afresh, so a ``Wall`` is kept while the rev
stands, and for ``MAX_AGE`` seconds at most, like the shared part of the socket's
snapshot (``SharedSnapshots`` in realtime/consumer.py): an author's new name, or an
action field changed in another process, shows within that. In this process a change
to an action field, guiding goal or sub-goal (the organiser's pages) drops every kept
wall at once (``WorkshopsConfig.ready``). A plenary's wall also shows other forums'
items, whose changes bump their own revs: it is always read afresh.

The wall's rendering (``_wall.html``) is kept with it, per language, for the phones that
have nothing of their own on it: no own items (their mark, the edit and withdraw forms)
and no translation forms (moderators, interpreters). Those phones all see the same
markup, without a form token, so it is rendered once from the shared inputs alone
(``shared_wall``); every other phone renders its wall afresh (workshops/views.py).
Kept with it too, for the same time: whole pages that every phone of a kind sees alike
(``pages``), rendered once with stand-ins for the few values that are a person's own
(their form token, their name) and filled in per request (workshops/shared_pages.py).
The pages' code runs in one thread (config/asgi.py); what is kept is only read.
"""

import time
from collections.abc import Callable

from workshops import selectors
from workshops.models import Forum

MAX_AGE = 5.0


class Wall:
    """The forum's items as participants see them (``selectors.forum_items``), its
    action fields and their guiding goals, at ``rev``; ``fragments``: ``_wall.html``
    rendered for a phone without own items, by language."""

    def __init__(self, forum: Forum):
        self.rev = forum.rev
        self.forum_rounds = forum.rounds.all()
        self.items = selectors.forum_items(forum, include_hidden=False)
        self.fields = selectors.forum_fields(forum)
        self.goals = selectors.guiding_goals(self.fields)
        self.fragments: dict[str, str] = {}
        self.pages: dict[tuple, str] = {}
        self.born = time.monotonic()
        self._groups = None
        self._has_rounds = None

    @property
    def has_rounds(self) -> bool:
        """Whether the forum has any voting round at this rev (opening one bumps it)."""
        if self._has_rounds is None:
            self._has_rounds = self.forum_rounds.exists()
        return self._has_rounds

    @property
    def groups(self) -> list[dict]:
        """``selectors.grouped_items`` of the wall (its kinds' labels are lazy: they
        are translated as each page renders them)."""
        if self._groups is None:
            self._groups = selectors.grouped_items(self.fields, self.items, self.goals)
        return self._groups

    def fragment(self, language: str, render: Callable[[], str]) -> str:
        html = self.fragments.get(language)
        if html is None:
            html = self.fragments[language] = render()
        return html

    def page(self, key: tuple, render: Callable[[], str]) -> str:
        """A whole page kept under ``key`` (workshops/shared_pages.py says what goes in it)."""
        html = self.pages.get(key)
        if html is None:
            html = self.pages[key] = render()
        return html


class WallItems:
    def __init__(self):
        self.entries: dict[tuple[int, str], Wall] = {}

    def wall(self, forum: Forum) -> Wall:
        """The forum's wall at its rev (read afresh for a plenary)."""
        if forum.kind == Forum.Kind.PLENARY:
            return Wall(forum)
        key = (forum.pk, forum.code)
        wall = self.entries.get(key)
        if wall is not None and wall.rev == forum.rev and time.monotonic() - wall.born < MAX_AGE:
            return wall
        wall = self.entries[key] = Wall(forum)
        return wall

    def get(self, forum: Forum) -> list:
        """The forum's items as participants see them (``selectors.forum_items``)."""
        return self.wall(forum).items

    def clear(self, *args, **kwargs) -> None:
        """Drop every kept wall (also a signal receiver: any arguments)."""
        self.entries.clear()


wall_items = WallItems()
