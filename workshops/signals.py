"""What the domain announces: the one port between the services and whoever delivers
their changes (the live channel, realtime/apps.py, connects to these at start-up).

Every signal is sent inside the service's transaction, so a receiver can check and build
its payload there (bad data fails at the call site) and hand it on with
``transaction.on_commit``: a rolled-back change is never delivered. ``workshops/`` knows
no receiver; a process without the live channel (a management command in a slim set-up)
still records every change, it just tells nobody.
"""

from django.dispatch import Signal

# A forum's change was stored in its event log (``services.events.record_event``):
# ``forum_id``, ``rev``, ``name`` and ``data`` of the ``event`` frame (docs/protocol.md).
event_recorded = Signal()

# A round's tally may have changed (a vote, a paper count, the round opened, closed or
# reset): ``forum_id``, ``round_id``.
tally_changed = Signal()

# A role was taken away in these forums (services.access): ``forum_ids``, and either the
# moderator ``user_id`` or ``screens`` (the screen key changed).
roles_revoked = Signal()

# People's data is being removed (services.privacy): ``participant_ids`` and ``user_ids``.
# Receivers delete what they keep about these people, in the caller's transaction, and
# return how many rows they deleted.
people_forgotten = Signal()
