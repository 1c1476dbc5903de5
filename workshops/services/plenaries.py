"""Plenaries follow the items of their conference's forums: the events that keep a
plenary's wall in step with changes made in a forum (used by items and measures)."""

from workshops.models import Forum, Item
from workshops.selectors import item_data, plenary_pool
from workshops.services.events import record_event


class PlenaryEcho:
    """Keeps the conference's plenaries in step with item changes in a forum.

    A plenary shows the shortlisted measures of every forum with the goals and needs
    they answer (``selectors.plenary_pool``). ``record`` writes an item event in its
    forum; ``finish`` then writes, in each plenary, the events of items that stay in the
    pool, ``item.added`` for items that entered it and ``item.removed`` for items that
    left it, so a plenary client that applies them equals a fresh snapshot.
    """

    def __init__(self, conference_id: int, plenaries: list[Forum]):
        self.conference_id = conference_id
        self.plenaries = plenaries
        self.before = self._pool() if plenaries else set()
        self.pending: list[tuple[str, dict]] = []

    def _pool(self) -> set[int]:
        return set(
            Item.objects.filter(plenary_pool(self.conference_id)).values_list("pk", flat=True)
        )

    def record(self, forum: Forum, name: str, data: dict) -> None:
        record_event(forum, name, data)
        self.pending.append((name, data))

    def finish(self) -> None:
        if not self.plenaries:
            return
        after = self._pool()
        staying = [(name, data) for name, data in self.pending if data["id"] in self.before & after]
        entered = (
            Item.objects.filter(pk__in=after - self.before).select_related("author").order_by("pk")
        )
        for plenary in self.plenaries:
            for name, data in staying:
                record_event(plenary, name, data)
            for item in entered:
                record_event(plenary, "item.added", item_data(item))
            for item_id in sorted(self.before - after):
                record_event(plenary, "item.removed", {"id": item_id})
