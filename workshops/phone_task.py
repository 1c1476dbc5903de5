"""The phone's status line: what the person is to do now ("Now: voting – You have 3
points left."), from the forum's phase, whether proposals are open, and the round open
for them. The page renders it (templates/workshops/_task.html, also without JavaScript);
static/js/task.js keeps it current from the same sentences (``live_texts``).
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from workshops.models import Forum

# (head, what to do) per phase; while proposals are closed, collecting says so instead.
PHASE_TASKS = {
    Forum.Phase.COLLECTING: (_("Now: collecting proposals"), _("Write what is missing.")),
    Forum.Phase.DISCUSSING: (_("Now: discussion"), _("Read the proposals and talk them over.")),
    Forum.Phase.VOTING: (_("Now: voting"), _("The ballot opens in a moment.")),
    Forum.Phase.RESULTS: (_("Now: the result"), ""),
}
PROPOSALS_CLOSED = _("Proposals are closed at the moment.")
# The forum's last step (workshops/steps.py): its result is handed to the plenary.
HANDED_ON = _("The measures chosen here go to the plenary.")
# While a round is open the line says so, whatever the phase; what to do is the method's
# (templates/workshops/methods/<name>.html, part "task").
VOTING_HEAD = PHASE_TASKS[Forum.Phase.VOTING][0]

# A dot-voting round's highest budget (methods.Dots.MAX_BUDGET): the sentences for the
# points left are given for every count up to it.
POINTS_MAX = 100


def points_left(n: int) -> str:
    """The sentence for ``n`` points left (the template's blocktranslate says the same)."""
    return ngettext("You have %(n)s point left.", "You have %(n)s points left.", n) % {"n": n}


def phone_task(forum: Forum, rounds: list[dict]) -> dict:
    """The status line's parts: ``head``, ``body`` (for a phase) and ``round`` (the
    first round open on this page, from ``selectors.rounds_for_page``; its method says
    what to do)."""
    open_round = next((r for r in rounds if r["status"] == "open"), None)
    if open_round is not None:
        return {"head": VOTING_HEAD, "body": "", "round": open_round}
    head, body = PHASE_TASKS.get(forum.phase, ("", ""))
    if forum.phase == Forum.Phase.COLLECTING and not forum.proposals_open:
        body = PROPOSALS_CLOSED
    if forum.handed_to_plenary:
        body = HANDED_ON
    return {"head": head, "body": body, "round": None}


def live_tasks() -> dict:
    """The same sentences for static/js/task.js: per phase, and the points-left
    sentence in each plural form with the form of every count 0..POINTS_MAX (one digit
    per count), so the line follows the points without asking the server."""
    forms: list[str] = []
    of = []
    for n in range(POINTS_MAX + 1):
        text = ngettext("You have %(n)s point left.", "You have %(n)s points left.", n)
        if text not in forms:
            forms.append(text)
        of.append(str(forms.index(text)))
    return {
        "phases": {str(p): [str(h), str(b)] for p, (h, b) in PHASE_TASKS.items()},
        "closed": str(PROPOSALS_CLOSED),
        "plenary": str(HANDED_ON),
        "voting": str(VOTING_HEAD),
        "points": {"forms": forms, "of": "".join(of)},
    }
