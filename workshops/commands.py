"""Every moderator action, declared once: its name, its typed and bounded parameters
(workshops/params.py), who may do it (a predicate of workshops/rules.py), the service
it calls and what the console says when it worked.

Both doors dispatch through ``ACTIONS``: the console's form (``POST
/f/<CODE>/moderate/action``, workshops/views.py) reads the parameters with
``Action.from_form``, the socket's ``moderate`` frame (realtime/protocol.py) with
``Action.from_frame``, and both apply them with ``Action.apply``. The console's script
(static/js/moderate.js) builds its frames from ``script_actions()``, rendered into the
page. A new action is one ``Action`` below; tests/workshops/test_commands_registry.py
then asks for its sample values, and checks it through both doors and for every role.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from workshops import rules, steps
from workshops.actors import Actor
from workshops.console import warnings_after_opening
from workshops.exceptions import ServiceError
from workshops.models import Forum
from workshops.params import Decision, Flag, Id, Ids, Number, Param, Seconds, Text
from workshops.services import access as access_services
from workshops.services import cards as card_services
from workshops.services import forums as forum_services
from workshops.services import items as item_services
from workshops.services import rounds as round_services
from workshops.services import steps as step_services
from workshops.services import versions as version_services


@dataclass(frozen=True)
class Action:
    name: str
    # ``service(actor=, forum=, **values)``, one transaction.
    service: Callable
    params: tuple[Param, ...] = ()
    # What the console says afterwards, from the values it was given.
    done: Callable[[dict], str] = field(default=lambda values: _("Saved."))
    # Who may: a predicate of workshops/rules.py over the actor and the forum, and what
    # everyone else is told (``forbidden``).
    allowed: Callable[[Actor, Forum], bool] = rules.can_moderate
    refusal: object = _("Only the forum's moderators can do this.")
    # The socket ack's ``result`` from what the service returned (None: no result).
    result: Callable[[object], dict | None] = field(default=lambda returned: None)
    # Warnings the console shows next to ``done``, from what the service returned.
    warnings: Callable[[object], list[str]] = field(default=lambda returned: [])

    def from_frame(self, frame: dict) -> dict:
        return {p.name: p.from_frame(frame) for p in self.params}

    def from_form(self, post) -> dict:
        return {p.name: p.from_form(post) for p in self.params}

    def apply(self, *, actor: Actor, forum: Forum, values: dict):
        """Check the predicate, then call the service with the typed values; returns
        what the service returned. Refusals raise ``ServiceError``."""
        if not self.allowed(actor, forum):
            raise ServiceError(ServiceError.FORBIDDEN, self.refusal)
        return self.service(actor=actor, forum=forum, **values)


def _round_id(returned) -> dict:
    return {"id": returned.pk}


def _cards_done(values: dict) -> str:
    if not values["required"]:
        return _("Voting no longer needs a voting card.")
    if values["restart"]:
        return _(
            "Voting now needs a voting card. Open rounds that held votes were started "
            "again: votes cast without a card do not count."
        )
    return _("Voting now needs a voting card.")


def _shortlist_done(values: dict) -> str:
    if values["shortlisted"]:
        return _("The measure goes to the plenary.")
    return _("The measure no longer goes to the plenary.")


def _top_warnings(top) -> list[str]:
    """What the console adds when "Top N" sent other than N measures: the measures that
    share the last place all go, and only measures with votes for them go
    (services/items.py, shortlist_top)."""
    n = len(top.items)
    if n > top.count:
        return [_("Measures share the last place, so all %(n)d go to the plenary.") % {"n": n}]
    if n < top.count:
        return [
            ngettext(
                "Only %(n)d measure of this round got votes for it; it goes to the plenary.",
                "Only %(n)d measures of this round got votes for them; they go to the plenary.",
                n,
            )
            % {"n": n}
        ]
    return []


def _step_of(returned) -> dict:
    return {"step": steps.current_step(returned)}


def _advanced(values: dict) -> str:
    return _("Next step: everyone sees it now.")


def _stepped_back(values: dict) -> str:
    return _("The last step is taken back.")


ITEM = Id("item")
ROUND = Id("round")


def _timer_message():
    return _("A timer runs from %(min)d seconds to %(max)d minutes.") % {
        "min": forum_services.TIMER_MIN_SECONDS,
        "max": forum_services.TIMER_MAX_SECONDS // 60,
    }


REMOVE = Flag("remove", optional=True, default=False)

_DECLARED = [
    Action(
        "hide",
        item_services.hide_item,
        (ITEM,),
        done=lambda values: _("The item is hidden."),
    ),
    Action(
        "restore",
        item_services.restore_item,
        (ITEM,),
        done=lambda values: _("The item is shown again."),
    ),
    Action(
        "edit",
        item_services.edit_item,
        (ITEM, Text("text")),
        done=lambda values: _("The text is saved."),
    ),
    Action(
        "merge",
        item_services.merge_items,
        (ITEM, Id("into")),
        done=lambda values: _("The items are merged."),
    ),
    Action("proposals", forum_services.set_proposals_open, (Flag("open"),)),
    Action(
        "open_round",
        round_services.open_round,
        (
            # which methods and kinds exist, and each method's limits, are the service's
            Text("method"),
            Ids(
                "items",
                optional=True,
                max_count=round_services.MAX_ITEMS,
                not_ids=lambda: _("“items” must be a list of item ids."),
                too_many=lambda: (
                    _("A round can have at most %(max)d items.") % {"max": round_services.MAX_ITEMS}
                ),
            ),
            Id("field", optional=True),
            Text("kind", optional=True),
            Number("budget", optional=True),
            Number("per_item", optional=True),
            Number("veto", optional=True),
            # left out: the method decides (VotingMethod.hides_tally: hidden until the end)
            Flag("secret", optional=True, default=None),
            Flag("allow_own", optional=True, default=True),
        ),
        done=lambda values: _("The voting round is open."),
        result=_round_id,
        warnings=warnings_after_opening,
    ),
    Action(
        "close_round",
        round_services.close_round,
        (ROUND,),
        done=lambda values: _("The voting round is closed."),
    ),
    Action(
        "reopen_round",
        round_services.reopen_round,
        (ROUND,),
        done=lambda values: _("A new voting round is open."),
        result=_round_id,
        warnings=warnings_after_opening,
    ),
    Action(
        "reveal_round",
        round_services.reveal_round,
        (ROUND,),
        done=lambda values: _("The results are shown to everyone."),
    ),
    Action(
        "analog",
        round_services.add_analog_count,
        (
            ROUND,
            Id("item", low=0),  # an option: an item's id, or 0 for consent's Passivlösung
            Number("count", low=1),
            Number("value", optional=True, default=1),
            Text("note", optional=True, default=""),
        ),
        done=lambda values: _("The paper votes are added."),
    ),
    Action("shortlist", item_services.shortlist_item, (ITEM, Flag("shortlisted")), _shortlist_done),
    Action(
        "shortlist_top",
        item_services.shortlist_top,
        (
            ROUND,
            Number(
                "count",
                low=1,
                high=item_services.MAX_TOP,
                message=lambda: (
                    _("Choose how many measures go to the plenary: 1 to %(max)d.")
                    % {"max": item_services.MAX_TOP}
                ),
            ),
        ),
        done=lambda values: _("The best-ranked measures go to the plenary."),
        result=lambda top: {"items": [measure.pk for measure in top.items]},
        warnings=_top_warnings,
    ),
    Action(
        "adopt",
        item_services.adopt_item,
        (ITEM, Decision("adopted")),
        done=lambda values: _("The plenary's decision is saved."),
    ),
    Action(
        "cards_required",
        card_services.set_cards_required,
        (Flag("required"), Flag("restart", optional=True, default=False)),
        _cards_done,
    ),
    Action(
        "sub_goal",
        item_services.set_sub_goal,
        # empty: unlink; which sub-goals fit the item is the service's rule
        (ITEM, Id("sub_goal", optional=True, default=None)),
    ),
    Action(
        "translate",
        version_services.translate_item,
        # which languages fit is the service's rule; ``remove``: take the version away
        (ITEM, Text("language"), Text("translation", optional=True, default=""), REMOVE),
        done=lambda values: (
            _("The translation is removed.") if values["remove"] else _("The translation is saved.")
        ),
    ),
    # The step bar: "Next" moves phones, projector, proposals and the round together;
    # ``step`` is the step the console showed (a second click does nothing twice).
    Action(
        "advance",
        step_services.advance,
        (Text("step", optional=True),),
        done=_advanced,
        result=_step_of,
    ),
    Action(
        "step_back",
        step_services.step_back,
        done=_stepped_back,
        result=_step_of,
    ),
    # which phases exist is the service's rule
    Action("phase", forum_services.set_phase, (Text("phase"),)),
    Action("timer", forum_services.start_timer, (Seconds("seconds", message=_timer_message),)),
    Action("announce", forum_services.announce, (Text("text"),)),
    Action(
        "blank_screen",
        forum_services.set_screen_blank,
        (Flag("blank"),),
        done=lambda values: (
            _("The projector is black.") if values["blank"] else _("The projector shows again.")
        ),
    ),
    Action(
        "screen_key",
        access_services.new_screen_key,
        done=lambda values: _("The screen has a new link; screens with the old one are closed."),
    ),
]

ACTIONS: dict[str, Action] = {action.name: action for action in _DECLARED}


def script_actions() -> dict:
    """The actions and the fields of each as the console's script reads them from the
    page (``json_script``), to send a form as a ``moderate`` frame."""
    return {name: [p.describe() for p in action.params] for name, action in ACTIONS.items()}
