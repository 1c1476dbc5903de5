"""The voting methods, one class each: what a ballot takes, the limits a round opens with,
how the votes add up and rank, the sentence a tally reads as, and how exports show it.

The rest of the code asks a round's method (``method_of(round_.method)``) instead of
comparing names, so a new method is a new class here, its entry in ``METHODS`` and its
templates ``templates/workshops/methods/<name>.html`` and ``<name>_console.html`` (the
parts of the ballot and of the console that differ; ``VotingMethod.template``). Its name
becomes a choice of ``Round.method`` (a migration records the new choice).

Tallies are dicts (docs/protocol.md, ``tally`` frame): each method names its figures.
"""

from django.db.models import Avg, Count, Max, Q, Sum
from django.utils import formats
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from workshops.exceptions import ServiceError

# In a consent round the option "leave things as they are" (Passivlösung) is always on
# the ballot. It is not an item; votes and tallies name it with this id (models.Vote).
PASSIVE_OPTION = 0

# A message with its figures filled in when it is shown, in the language active there:
# a batch of votes (services/votes.py, cast_votes) is checked once for senders of several
# languages.
filled = lazy(lambda message, figures: str(message) % figures, str)


def _number(value):
    """A fraction in the active language's way (3,5 in German, 3.5 in English)."""
    return formats.number_format(value) if isinstance(value, float) else value


class VotingMethod:
    """What every method has; a subclass sets the class attributes and overrides what
    differs."""

    name: str  # stored in Round.method
    label = ""  # the method's name for people (the choice in the console, headings)
    # the tally as a sentence; its %(...)s are the tally's figures (``sentence_values``)
    sentence = ""
    # the figure a projector bar shows, from a tally with its paper votes (``bar_value``;
    # static/js/tally.js reads it from the page: a key of the tally, or "share")
    bar = ""
    # a phone vote's values and a paper vote's (``add_analog_count``), lowest and highest
    values = (1, 1)
    analog_values = (1, 1)
    # consent: the Passivlösung is an option of every round (PASSIVE_OPTION)
    passive_option = False
    # dots: votes spend points of a budget kept on the participant's Ballot row
    spends_points = False
    # adoption: closing a plenary's round adopts or rejects its measures (``adopted``)
    decides = False
    # The console's card for opening a round of this method (_console_rounds.html): its
    # title, and one sentence saying what the phones will show. Their %(...)s are the
    # round's limits as ``card_values`` writes them; static/js/moderate.js fills the same
    # sentences in again when the moderator changes a limit.
    card_title = ""
    card_preview = ""
    # The limits the card opens with (the form's fields of the same names).
    card_limits: dict = {}

    @property
    def template(self) -> str:
        """The method's parts of the phone's ballot, by ``part``: "attrs" (data attributes
        of a ballot's section), "hint" (above the options) and "controls" (one option's
        form fields)."""
        return f"workshops/methods/{self.name}.html"

    @property
    def console_template(self) -> str:
        """The method's parts of the console, by ``part``: "limits" (the line on a
        round), "open" (its fields of the form that opens a round) and "analog" (the
        paper-vote form's fields but the item and the count's input)."""
        return f"workshops/methods/{self.name}_console.html"

    def __str__(self):
        return self.name

    # --- opening a round ---------------------------------------------------------------

    def configure(self, round_, *, item_count: int, budget, per_item, allow_own, veto) -> None:
        """Check the method's limits and set them on the unsaved round; raises the
        refusal. Values the method does not use are ignored."""

    def reopen_limits(self, round_) -> dict:
        """The limits a round opened like ``round_`` gets (``open_round``'s arguments)."""
        return {}

    def card_values(self, limits: dict) -> dict:
        """The figures a card's sentences name, from the limits (``card_limits`` where
        one is missing)."""
        return {**self.card_limits, **{k: v for k, v in limits.items() if v is not None}}

    def card(self, limits: dict | None = None) -> dict:
        """The card's title and preview, filled in with ``limits``."""
        values = self.card_values(limits or {})
        return {
            "title": str(self.card_title) % values,
            "preview": str(self.card_preview) % values,
        }

    def hides_tally(self, secret: bool | None) -> bool:
        """Whether a round opened with ``secret`` keeps its tally from the room until it
        closes or is revealed (``Round.secret``; the room sees the turnout meanwhile).

        The one rule for it: as the moderator chose, and hidden when they did not say,
        so people decide before they see how the others did; a decision (``decides``:
        adoption) is always hidden until it closes.
        """
        if self.decides or secret is None:
            return True
        return secret

    def round_data(self, round_) -> dict:
        """The method's own fields of a round's wire shape (selectors.round_data)."""
        return {}

    def options(self, item_ids: list[int]) -> list[int]:
        """The options on the ballot: the round's items and any the method adds."""
        return list(item_ids)

    # --- a vote ------------------------------------------------------------------------

    @property
    def scale(self) -> range:
        """A phone vote's values, for a ballot that lists them (consent: 0 to 10)."""
        low, high = self.values
        return range(low, high + 1)

    def value_range(self, per_item) -> tuple[int, int]:
        return self.values

    def check_value(self, value: int | None, *, per_item) -> int | None:
        """The value to store (None withdraws); raises the refusal if it is out of range."""
        if value is None:
            return None
        low, high = self.value_range(per_item)
        if not low <= value <= high:
            raise ServiceError(ServiceError.INVALID, self.range_message(low, high))
        return value

    def range_message(self, low: int, high: int):
        return filled(
            _("This vote must be between %(low)d and %(high)d."), {"low": low, "high": high}
        )

    def check_option(self, allow_own: bool, author_id, participant) -> None:
        """Refuse a vote on an item the method keeps this participant from (raises)."""

    def ballot(self, votes: dict[str, int], budget) -> dict:
        """The participant's ballot as an ack returns it: their votes, and what the method
        adds (dots: the points left)."""
        return {"votes": votes}

    def merged_value(self, round_, kept: int, moved: int) -> int | None:
        """A participant voted on an item and its duplicate, merged now: the value the
        kept vote takes, or None to keep it as it is (the duplicate's is dropped)."""
        return None

    def adopted(self, tally: dict) -> bool:
        """A plenary's decision on a measure from its combined tally (``decides``)."""
        raise NotImplementedError

    # --- paper votes -------------------------------------------------------------------

    def check_analog_value(self, value) -> int:
        """A paper vote's value; raises the refusal."""
        low, high = self.analog_values
        if value is None or not low <= value <= high:
            raise ServiceError(
                ServiceError.INVALID,
                _("This vote must be between %(low)d and %(high)d.") % {"low": low, "high": high},
            )
        return value

    def add_analog(self, tally: dict, value: int, count: int) -> None:
        """Add ``count`` paper votes of ``value`` to ``tally`` (the method's figures)."""
        raise NotImplementedError

    # --- the tally ---------------------------------------------------------------------

    def aggregates(self, round_, *, flags: bool = True) -> dict:
        """The database aggregates of the method's tally over a round's votes, by name;
        ``flags``: with the figures only the whole room's tally has (consent's vetoes)."""
        raise NotImplementedError

    def empty(self, aggregates: dict) -> dict:
        """The tally of an option nobody voted on."""
        return {key: 0 for key in aggregates}

    def finish(self, tally: dict) -> None:
        """Add what follows from the figures (consent: the outlier flag)."""

    def combined(self, tally: dict) -> dict:
        """Phone and paper votes added up, for the ranking (shown apart, counted
        together)."""
        analog = tally.get("analog") or {}
        total = {k: v for k, v in tally.items() if k != "analog"}
        for key, value in analog.items():
            if key == "mean":
                continue
            total[key] = (total.get(key) or 0) + value
        return total

    def rank_key(self, tally: dict):
        """Sort key of a ranking (first place first), from a combined tally."""
        raise NotImplementedError

    def bar_value(self, tally: dict) -> float:
        """The length a projector's bar stands for, from a combined tally."""
        return tally.get(self.bar, 0)

    def carried(self, tally: dict | None, round_) -> bool:
        """Whether a stakeholder group's tally carries the option (the breakdown's
        "broad support across all groups")."""
        raise NotImplementedError

    # --- the sentence ------------------------------------------------------------------

    def sentence_values(self, tally: dict) -> dict:
        """The figures ``sentence`` names, written as the active language writes them."""
        return {k: ("–" if v is None else _number(v)) for k, v in tally.items() if k != "analog"}

    def tally_text(self, tally: dict | None) -> str:
        """The tally as a sentence, paper votes after it; static/js/tally.js writes the same
        one from the same ``sentence`` (views.live_texts)."""
        if not tally:
            return str(HIDDEN)
        text = str(self.sentence) % self.sentence_values(tally)
        if tally.get("outlier"):
            text += f" · {OUTLIER}"
        analog = tally.get("analog")
        if analog:
            text += f" + {ANALOG}: " + str(self.sentence) % self.sentence_values(analog)
        return text

    # --- exports -----------------------------------------------------------------------

    def export_text(self, tally: dict) -> str:
        """A tally as a short phrase in the exports, e.g. "yes 12 · no 3 · abstain 1"."""
        raise NotImplementedError

    def chart(self, totals: dict, items: list[int]) -> tuple[list, str, bool]:
        """A ranking chart's bars: sorts ``items`` (first place first) and returns the
        series [(name, key of the tally)], the axis' unit and whether bars stack."""
        raise NotImplementedError


class Support(VotingMethod):
    """Support: a participant supports any number of proposals; most supporters first."""

    name = "support"
    label = _("Support")
    card_title = _("Support (thumbs up)")
    card_preview = _(
        "On the phones: each person gives a thumbs up to as many proposals as they like."
    )
    sentence = _("Support: %(support)s")
    bar = "support"

    def add_analog(self, tally, value, count):
        tally["support"] = tally.get("support", 0) + count

    def aggregates(self, round_, *, flags=True):
        return {"support": Count("id")}

    def rank_key(self, tally):
        return -tally.get("support", 0)

    def carried(self, tally, round_):
        return bool(tally) and tally["support"] > 0

    def export_text(self, tally):
        n = tally.get("support") or 0
        return ngettext("%(n)d supporter", "%(n)d supporters", n) % {"n": n}

    def chart(self, totals, items):
        items.sort(key=lambda i: (-totals[i].get("support", 0), i))
        series = [(gettext("Supporters"), "support")]
        return series, series[0][0], False


class Dots(VotingMethod):
    """Dot voting: points from a budget, at most ``per_item`` on one proposal; most points
    first."""

    name = "dots"
    label = _("Dot voting")
    sentence = _("Points: %(dots)s")
    bar = "dots"
    spends_points = True
    MAX_BUDGET = 100
    card_title = _("Distribute points: %(points)s per person, at most %(per_item)s per proposal")
    card_preview = _(
        "On the phones: each person distributes %(points)s, at most %(per_item)s on one proposal."
    )
    # The facilitators' classic: three dots each, at most two on one proposal.
    card_limits = {"budget": 3, "per_item": 2}

    def card_values(self, limits):
        values = super().card_values(limits)
        return {**values, "points": points(values["budget"])}

    @staticmethod
    def suggest_budget(item_count: int) -> int:
        """Dots per person for ``item_count`` options: about a third of them, 1 to 10.

        The facilitators' rule of thumb (Punkte kleben): few enough that people must
        choose, enough that second choices still show.
        """
        return max(1, min(10, round(item_count / 3)))

    def configure(self, round_, *, item_count, budget, per_item, allow_own, veto):
        from workshops.services.values import whole_number

        budget = whole_number(
            budget,
            low=1,
            high=self.MAX_BUDGET,
            message=_limit_message(_("The budget"), self.MAX_BUDGET),
        ) or self.suggest_budget(item_count)
        per_item = whole_number(
            per_item,
            low=1,
            high=budget,
            message=_limit_message(_("The points per item"), budget),
        ) or min(budget, 3)
        round_.budget, round_.per_item, round_.allow_own = budget, per_item, allow_own

    def reopen_limits(self, round_):
        return {"budget": round_.budget, "per_item": round_.per_item, "allow_own": round_.allow_own}

    def round_data(self, round_):
        return {"budget": round_.budget, "per_item": round_.per_item, "allow_own": round_.allow_own}

    def value_range(self, per_item):
        return 1, per_item

    def range_message(self, low, high):
        return filled(_("At most %(max)d points on one item."), {"max": high})

    def check_option(self, allow_own, author_id, participant):
        if not allow_own and author_id == participant.pk:
            raise ServiceError(
                ServiceError.INVALID,
                _("In this round you cannot give points to your own proposal."),
            )

    def ballot(self, votes, budget):
        return {"votes": votes, "points_left": budget - sum(votes.values())}

    def merged_value(self, round_, kept, moved):
        return min(round_.per_item, kept + moved)

    def add_analog(self, tally, value, count):
        tally["dots"] = tally.get("dots", 0) + value * count

    def aggregates(self, round_, *, flags=True):
        return {"dots": Sum("value")}

    def rank_key(self, tally):
        return -tally.get("dots", 0)

    def carried(self, tally, round_):
        return bool(tally) and (tally["dots"] or 0) > 0

    def export_text(self, tally):
        n = tally.get("dots") or 0
        return ngettext("%(n)d point", "%(n)d points", n) % {"n": n}

    def chart(self, totals, items):
        items.sort(key=lambda i: (-totals[i].get("dots", 0), i))
        series = [(gettext("Points"), "dots")]
        return series, series[0][0], False


class Consent(VotingMethod):
    """Consent: resistance 0-10 against each proposal and the Passivlösung; least
    resistance first, strong objections (``veto`` and up) counted apart."""

    name = "consent"
    label = _("Consent (resistance)")
    card_title = _("Consent / resistance")
    card_preview = _(
        "On the phones: each person rates every proposal and “leave things as they are” "
        "with a resistance from 0 to 10; from %(veto)s on it counts as a veto."
    )
    card_limits = {"veto": 8}  # Round.veto's default
    sentence = _(
        "Resistance %(resistance)s (mean %(mean)s, %(votes)s votes, %(vetoes)s strong objections)"
    )
    bar = "resistance"
    values = (0, 10)
    analog_values = (0, 10)
    passive_option = True
    # A vote this far above its option's mean resistance flags the option.
    OUTLIER_GAP = 5

    def configure(self, round_, *, item_count, budget, per_item, allow_own, veto):
        from workshops.services.values import whole_number

        if veto not in (None, ""):
            round_.veto = whole_number(
                veto, low=1, high=10, message=_limit_message(_("The veto threshold"), 10)
            )

    def reopen_limits(self, round_):
        return {"veto": round_.veto}

    def round_data(self, round_):
        return {"veto": round_.veto}

    def options(self, item_ids):
        return [*item_ids, PASSIVE_OPTION]

    def add_analog(self, tally, value, count):
        tally["resistance"] = tally.get("resistance", 0) + value * count
        tally["votes"] = tally.get("votes", 0) + count
        tally["mean"] = round(tally["resistance"] / tally["votes"], 2)

    def aggregates(self, round_, *, flags=True):
        aggregates = {"resistance": Sum("value"), "mean": Avg("value"), "votes": Count("id")}
        if flags:
            # resistance at or above the round's veto threshold: for the objection round
            aggregates["vetoes"] = Count("id", filter=Q(value__gte=round_.veto))
            aggregates["max"] = Max("value")
        return aggregates

    def empty(self, aggregates):
        return {**super().empty(aggregates), "mean": None, "max": None}

    def finish(self, tally):
        # One strong objection in a calm field: worth hearing in the objection round.
        tally["outlier"] = (
            tally["max"] is not None
            and tally["mean"] is not None
            and tally["max"] - tally["mean"] >= self.OUTLIER_GAP
        )

    def combined(self, tally):
        total = super().combined(tally)
        if "resistance" in total and total.get("votes"):
            total["mean"] = round(total["resistance"] / total["votes"], 2)
        return total

    def rank_key(self, tally):
        return tally.get("resistance", 0)

    def carried(self, tally, round_):
        return bool(tally) and tally["mean"] is not None and tally["mean"] < round_.veto

    def sentence_values(self, tally):
        return {"vetoes": 0, **super().sentence_values(tally)}

    def export_text(self, tally):
        mean, votes = tally.get("mean"), tally.get("votes") or 0
        return ngettext(
            "resistance %(sum)d (mean %(mean)s, %(votes)d vote)",
            "resistance %(sum)d (mean %(mean)s, %(votes)d votes)",
            votes,
        ) % {
            "sum": tally.get("resistance") or 0,
            "mean": formats.number_format(mean, 1) if mean is not None else "–",
            "votes": votes,
        }

    def chart(self, totals, items):
        items.sort(key=lambda i: (totals[i].get("resistance", 0), i))  # least resistance first
        return (
            [(gettext("Resistance"), "resistance")],
            gettext("Resistance (lower is better)"),
            False,
        )


class Adoption(VotingMethod):
    """Adoption: yes, no or abstain on each measure; highest share of yes first. In a
    plenary, closing the round decides (services/rounds.py, close_round)."""

    name = "adoption"
    label = _("Adoption (yes / no / abstain)")
    card_title = _("Plenary vote (yes / no / abstain)")
    card_preview = _(
        "On the phones: each person votes yes, no or abstain on every proposal; the result "
        "shows when the round closes."
    )
    sentence = _("Yes %(yes)s · No %(no)s · Abstain %(abstain)s (%(share)s %% yes)")
    bar = "share"
    decides = True
    values = (-1, 1)
    analog_values = (-1, 1)
    KEYS = {1: "yes", -1: "no", 0: "abstain"}

    def add_analog(self, tally, value, count):
        for key in ("yes", "no", "abstain"):
            tally.setdefault(key, 0)
        tally[self.KEYS[value]] += count

    def aggregates(self, round_, *, flags=True):
        return {
            "yes": Count("id", filter=Q(value=1)),
            "no": Count("id", filter=Q(value=-1)),
            "abstain": Count("id", filter=Q(value=0)),
        }

    @staticmethod
    def share(tally: dict) -> float | None:
        """Yes as a percentage of yes and no; None when nobody said either."""
        cast = tally.get("yes", 0) + tally.get("no", 0)
        return 100 * tally.get("yes", 0) / cast if cast else None

    def rank_key(self, tally):
        cast = tally.get("yes", 0) + tally.get("no", 0)
        return -(tally.get("yes", 0) / cast if cast else 0)

    def bar_value(self, tally):
        return self.share(tally) or 0

    # The rule ``adopted`` applies, in the words the console shows next to the decision
    # it proposes (``proposal``), and the rule spelled out once under the ranking.
    rule = _("simple majority")
    rule_explained = _(
        "Simple majority: a measure is adopted when it has more yes than no votes, phone "
        "and paper together; abstentions do not count, a tie is not a majority."
    )

    def adopted(self, tally: dict) -> bool:
        """A plenary's decision on a measure: more yes than no (a combined tally)."""
        return tally.get("yes", 0) > tally.get("no", 0)

    def proposal(self, tally: dict) -> tuple[bool, str]:
        """The decision a closed round proposes for one measure, from its tally (paper
        votes inside), and the line the console shows for it, e.g. "Adopted – 75 % yes,
        simple majority". The moderator confirms it (services/items.py, adopt_item)."""
        total = self.combined(tally)
        adopted = self.adopted(total)
        share = self.share(total)
        if share is None:
            return adopted, gettext("Rejected – no yes or no votes, %(rule)s") % {"rule": self.rule}
        if adopted:
            message = gettext("Adopted – %(share)s %% yes, %(rule)s")
        else:
            message = gettext("Rejected – %(share)s %% yes, %(rule)s")
        return adopted, message % {"share": _number(round(share)), "rule": self.rule}

    def carried(self, tally, round_):
        return bool(tally) and self.adopted(tally)

    def sentence_values(self, tally):
        values = super().sentence_values(tally)
        share = self.share(tally)
        values["share"] = round(share) if share is not None else "–"
        return values

    def export_text(self, tally):
        return gettext("yes %(yes)d · no %(no)d · abstain %(abstain)d") % {
            "yes": tally.get("yes") or 0,
            "no": tally.get("no") or 0,
            "abstain": tally.get("abstain") or 0,
        }

    def chart(self, totals, items):
        items.sort(key=lambda i: (-(totals[i].get("yes", 0) - totals[i].get("no", 0)), i))
        series = [
            (pgettext("chart", "yes"), "yes"),
            (pgettext("chart", "no"), "no"),
            (pgettext("chart", "abstain"), "abstain"),
        ]
        return series, gettext("Votes"), True


def points(n: int) -> str:
    """ "3 points", in the active language (a dots card, static/js/moderate.js)."""
    return ngettext("%(n)d point", "%(n)d points", n) % {"n": n}


def _limit_message(name, maximum: int):
    return _("%(name)s must be a whole number from 1 to %(max)d.") % {
        "name": name,
        "max": maximum,
    }


# The sentence's additions, for every method.
OUTLIER = _("one strong objection, hear it")
HIDDEN = _("Results after the round")
ANALOG = _("on paper")

METHODS: dict[str, VotingMethod] = {m.name: m for m in (Support(), Dots(), Consent(), Adoption())}


def method_of(name: str) -> VotingMethod:
    """The method a round stores by name (Round.method); KeyError for another name."""
    return METHODS[name]
