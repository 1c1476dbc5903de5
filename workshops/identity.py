"""A participant's identity, kept in the Django session (no account).

The session maps conference ids to participant ids, so one browser can take part in
several conferences; joining again finds the same participant.
"""

from workshops.models import Conference, Participant
from workshops.rows import Row

SESSION_KEY = "mitwirken_participants"
# Read for every socket that starts (hundreds at once after the venue's Wi-Fi was gone)
# and every page: a plain statement (workshops/rows.py).
_PARTICIPANT = Row(Participant, key=("pk", "conference"))


def session_participant(session, conference: Conference | int) -> Participant | None:
    conference_id = conference if isinstance(conference, int) else conference.pk
    pid = (session.get(SESSION_KEY) or {}).get(str(conference_id))
    if pid is None:
        return None
    return _PARTICIPANT.instance(pid, conference_id)


def remember_participant(session, participant: Participant) -> None:
    mapping = dict(session.get(SESSION_KEY) or {})
    mapping[str(participant.conference_id)] = participant.pk
    session[SESSION_KEY] = mapping
