"""The moderator's step bar: the five steps of a forum session and where a forum stands.

Sammeln → Sortieren → Abstimmen → Ergebnis → Plenum. The first four are the forum's
phase (``Forum.phase``), so the bar, the phones and the projector never disagree, and a
phase set with the old switch moves the bar too; the fifth is the phase "results" with
``Forum.handed_to_plenary``. A plenary has no step after its result. Reads only; "Next"
and "Back" are ``workshops.services.steps``.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import pgettext_lazy

from workshops.models import Forum

# How long the last step can be taken back (``services.steps.step_back``), and only
# until the next step: long enough to notice a slip of the hand, short enough that no
# one has moved on (docs/protocol.md, "The step bar").
UNDO_SECONDS = 120


@dataclass(frozen=True)
class Step:
    name: str
    label: object
    # the phase the room is in during this step
    phase: str


STEPS = (
    Step("collect", pgettext_lazy("step", "Collect"), Forum.Phase.COLLECTING),
    Step("sort", pgettext_lazy("step", "Sort"), Forum.Phase.DISCUSSING),
    Step("vote", pgettext_lazy("step", "Vote"), Forum.Phase.VOTING),
    Step("result", pgettext_lazy("step", "Result"), Forum.Phase.RESULTS),
    Step("plenary", pgettext_lazy("step", "Plenary"), Forum.Phase.RESULTS),
)
BY_NAME = {step.name: step for step in STEPS}
NAMES = tuple(BY_NAME)
_OF_PHASE = {step.phase: step.name for step in STEPS[:4]}


def steps_of(forum: Forum) -> tuple[Step, ...]:
    """The steps of this forum: a plenary's session ends with its result."""
    return STEPS[:4] if forum.kind == Forum.Kind.PLENARY else STEPS


def current_step(forum: Forum) -> str:
    if forum.handed_to_plenary and forum.phase == Forum.Phase.RESULTS:
        return "plenary"
    return _OF_PHASE.get(forum.phase, "collect")


def next_step(forum: Forum) -> str | None:
    names = [step.name for step in steps_of(forum)]
    position = names.index(current_step(forum)) if current_step(forum) in names else -1
    return names[position + 1] if 0 <= position < len(names) - 1 else None


def undo_left(forum: Forum, now: datetime | None = None) -> int:
    """Whole seconds left to take the last step back (0: nothing to take back): the
    record of the last "Next" is there, the forum is still at the step it reached, and
    it is less than ``UNDO_SECONDS`` old."""
    record = forum.step_undo or {}
    if not record.get("to") or record["to"] != current_step(forum):
        return 0
    try:
        at = datetime.fromisoformat(record["at"])
    except (KeyError, TypeError, ValueError):
        return 0
    left = UNDO_SECONDS - ((now or timezone.now()) - at).total_seconds()
    return max(0, int(left))


def bar(forum: Forum) -> dict:
    """The step bar as the console draws it: each step with ``current`` and ``done``,
    the next one (or None), the one "Back" returns to and the seconds it still can."""
    current = current_step(forum)
    steps = steps_of(forum)
    names = [step.name for step in steps]
    position = names.index(current) if current in names else 0
    following = next_step(forum)
    left = undo_left(forum)
    back = (forum.step_undo or {}).get("from") if left else None
    return {
        "current": BY_NAME[current],
        "steps": [
            {"step": step, "current": n == position, "done": n < position}
            for n, step in enumerate(steps)
        ],
        "next": BY_NAME[following] if following else None,
        "back": BY_NAME.get(back) if back else None,
        "undo_left": left,
    }
