"""What the live channel does with the domain's announcements (workshops/signals.py).

Connected once per process in ``RealtimeConfig.ready``. Every receiver runs inside the
service's transaction: it checks and builds what it will send there, and sends after
commit (realtime/publisher.py, realtime/tally.py).
"""

from realtime import publisher, tally
from realtime.models import CommandReceipt
from workshops import signals


def publish_event(sender, *, forum_id: int, rev: int, name: str, data: dict, **kwargs):
    publisher.publish_event(forum_id=forum_id, rev=rev, name=name, data=data)


def schedule_tally(sender, *, forum_id: int, round_id: int, **kwargs):
    tally.tally_changed(forum_id=forum_id, round_id=round_id)


def publish_revocation(sender, *, forum_ids, user_id=None, screens=False, **kwargs):
    publisher.publish_revocation(forum_ids=forum_ids, user_id=user_id, screens=screens)


def delete_receipts(sender, *, participant_ids, user_ids=(), **kwargs) -> int:
    """The command receipts of these people (their command ids and answers), deleted in
    the caller's transaction: the count goes into the purge's own record."""
    senders = [f"p:{pk}" for pk in participant_ids] + [f"u:{pk}" for pk in user_ids]
    deleted, _by_model = CommandReceipt.objects.filter(sender__in=senders).delete()
    return deleted


def connect() -> None:
    signals.event_recorded.connect(publish_event, dispatch_uid="realtime.publish_event")
    signals.tally_changed.connect(schedule_tally, dispatch_uid="realtime.schedule_tally")
    signals.roles_revoked.connect(publish_revocation, dispatch_uid="realtime.revocation")
    signals.people_forgotten.connect(delete_receipts, dispatch_uid="realtime.receipts")
