"""The domain: conferences, their action fields and forums, participants and their items.

Models hold data and the invariants the database can enforce. Every change goes through
``workshops.services``; nothing else writes these tables.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workshops import methods
from workshops.codes import new_card_salt, new_join_code, new_screen_key


class Conference(models.Model):
    slug = models.SlugField(_("short name"), unique=True, max_length=80)
    title = models.CharField(_("title"), max_length=200)
    motto = models.CharField(_("motto"), max_length=300, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    stakeholder_groups = models.JSONField(
        _("stakeholder groups"),
        default=list,
        blank=True,
        help_text=_("The groups participants can say they belong to, one string each."),
    )
    languages = models.JSONField(
        _("languages offered"),
        default=list,
        blank=True,
        help_text=_('Language codes participants can choose, e.g. ["de", "en", "tr"].'),
    )
    moderators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderators"),
        related_name="moderated_conferences",
        blank=True,
    )
    # The integration office that prepares and runs it: may change everything and run
    # every forum (the organiser pages under /organize/).
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organisers"),
        related_name="organised_conferences",
        blank=True,
    )
    # People who write versions of contributions in other languages (services.versions):
    # they sign in like moderators and translate on the phone page, without running forums.
    interpreters = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("interpreters"),
        related_name="interpreted_conferences",
        blank=True,
        help_text=_(
            "They sign in and add translations of any contribution on the forums' phone pages."
        ),
    )
    # The date the leads of adopted measures report by; reminders go out for it.
    report_due = models.DateField(_("reports due"), null=True, blank=True)
    # The reporting date before ``report_due``: a measure has reported for the current
    # date when an update was written after this day (services.reminders).
    reports_since = models.DateField(_("reports count since"), null=True, blank=True)
    # Exports are for moderators until the results are published; then for everyone
    # (services.measures.publish_results).
    results_published = models.BooleanField(_("results published"), default=False, editable=False)
    # The conference before this one, whose adopted measures this one evaluates
    # (services.measures.carry_over_measures).
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_conferences",
        verbose_name=_("previous conference"),
    )
    # Who took part (participants by group, voters, proposers), as counted when personal
    # data was purged: those counts need the links the purge removes (exports.data).
    participation_at_purge = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conference")
        verbose_name_plural = _("conferences")
        ordering = ["-date", "title"]
        # The city's integration office: may create conferences and prepare those it
        # organises on the pages under /organize/ (manage.py make_organiser grants it).
        permissions = [("organise", _("May organise conferences"))]

    def __str__(self):
        return self.title


class ActionField(models.Model):
    """A *Handlungsfeld* of the conference's integration concept."""

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="fields", verbose_name=_("conference")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    # The title in other languages, shown on phones in the reader's language:
    # {"tr": "...", "ar": "..."} (the conference file and the admin).
    titles = models.JSONField(
        _("title in other languages"),
        default=dict,
        blank=True,
        help_text=_('By language code, e.g. {"tr": "…", "ar": "…"}; shown on phones.'),
    )

    class Meta:
        verbose_name = _("action field")
        verbose_name_plural = _("action fields")
        ordering = ["conference", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["conference", "title"], name="field_title_unique"),
        ]

    def __str__(self):
        return self.title


class GuidingGoal(models.Model):
    """A *Leitziel* of an action field, set by the city before the conference.

    Forums work out the ways to reach it: their goals and measures link to one of its
    sub-goals (``Item.sub_goal``). Guiding goals are numbered by position within their
    action field, as the cities' concepts number them ("Leitziel 2, Teilziel 4").
    """

    field = models.ForeignKey(
        ActionField,
        on_delete=models.CASCADE,
        related_name="guiding_goals",
        verbose_name=_("action field"),
    )
    title = models.CharField(_("title"), max_length=300)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("guiding goal")
        verbose_name_plural = _("guiding goals")
        ordering = ["field", "position", "id"]

    def __str__(self):
        return self.title


class SubGoal(models.Model):
    """A *Teilziel* of a guiding goal."""

    guiding_goal = models.ForeignKey(
        GuidingGoal,
        on_delete=models.CASCADE,
        related_name="sub_goals",
        verbose_name=_("guiding goal"),
    )
    title = models.CharField(_("title"), max_length=300)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("sub-goal")
        verbose_name_plural = _("sub-goals")
        ordering = ["guiding_goal", "position", "id"]

    def __str__(self):
        return self.title


class Forum(models.Model):
    """A session people join with a code: a *Fachforum*, workshop, or the plenary."""

    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        PLENARY = "plenary", _("Plenary")

    class Phase(models.TextChoices):
        COLLECTING = "collecting", _("Collecting")
        DISCUSSING = "discussing", _("Discussing")
        VOTING = "voting", _("Voting")
        RESULTS = "results", _("Results")

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="forums", verbose_name=_("conference")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.WORKSHOP)
    # The title in other languages, shown on phones in the reader's language:
    # {"tr": "...", "ar": "..."} (the conference file and the admin).
    titles = models.JSONField(
        _("title in other languages"),
        default=dict,
        blank=True,
        help_text=_('By language code, e.g. {"tr": "…", "ar": "…"}; shown on phones.'),
    )
    fields = models.ManyToManyField(
        ActionField, verbose_name=_("action fields"), related_name="forums", blank=True
    )
    code = models.CharField(_("join code"), max_length=6, unique=True, default=new_join_code)
    screen_key = models.CharField(_("screen key"), max_length=64, default=new_screen_key)
    proposals_open = models.BooleanField(_("proposals open"), default=True)
    # One person, one vote: only phones holding a voting card may vote here.
    requires_cards = models.BooleanField(_("voting cards required"), default=False)
    card_salt = models.CharField(max_length=32, default=new_card_salt, editable=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    # Where and when it runs, for the programme and the printed kit ("Raum 2.14, 14:00").
    room = models.CharField(_("room"), max_length=100, blank=True)
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    # Moderators of this forum alone (the conference's moderators and organisers run all).
    moderators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("forum moderators"),
        related_name="moderated_forums",
        blank=True,
    )
    # What the room is doing now; the phone page and the screen follow it (services.forums).
    phase = models.CharField(
        _("phase"), max_length=16, choices=Phase.choices, default=Phase.COLLECTING
    )
    # The step bar's last step (services/steps.py): the forum's result went to the
    # plenary. Only with phase "results"; any change of phase takes it back.
    handed_to_plenary = models.BooleanField(_("handed to the plenary"), default=False)
    # What the last "Next" changed, so "Back" can reverse it (services/steps.py,
    # ``step_back``): {} when there is nothing to undo.
    step_undo = models.JSONField(default=dict, blank=True, editable=False)
    # A countdown the moderator started, shown on phones and the screen (None: no timer).
    timer_ends_at = models.DateTimeField(_("timer ends at"), null=True, blank=True)
    timer_seconds = models.PositiveIntegerField(_("timer length"), null=True, blank=True)
    # The projector shows nothing (black) while the moderator wants the room's eyes
    # elsewhere ("Leinwand schwarz", services.forums.set_screen_blank).
    screen_blank = models.BooleanField(_("screen blanked"), default=False)
    # One line for the room, shown on phones and the screen ("" : none).
    announcement = models.CharField(_("announcement"), max_length=140, blank=True, default="")
    # Grows by one with every committed change of the forum; clients apply events in
    # rev order and ask for a resync when they see a gap (docs/protocol.md).
    rev = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("forum")
        verbose_name_plural = _("forums")
        ordering = ["conference", "position", "id"]

    def __str__(self):
        return f"{self.title} ({self.code})"


class Participant(models.Model):
    """Someone who joined a conference from a phone. No account: the session holds the id."""

    conference = models.ForeignKey(
        Conference,
        on_delete=models.CASCADE,
        related_name="participants",
        verbose_name=_("conference"),
    )
    display_name = models.CharField(_("name"), max_length=60, blank=True)
    group = models.CharField(_("stakeholder group"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # The projector shows the name next to one's proposals only when the person chose so
    # when joining (workshops/visibility.py); the phones show it whenever there is one.
    name_on_screen = models.BooleanField(_("name on the projector"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self):
        return self.display_name or f"#{self.pk}"


class Item(models.Model):
    """A need, goal or measure proposed in a forum under one action field."""

    class Kind(models.TextChoices):
        NEED = "need", _("Need")
        GOAL = "goal", _("Goal")
        MEASURE = "measure", _("Measure")

    class Status(models.TextChoices):
        VISIBLE = "visible", _("visible")
        HIDDEN = "hidden", _("hidden")
        MERGED = "merged", _("merged")

    class Implementation(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        DROPPED = "dropped", _("dropped")

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="items")
    field = models.ForeignKey(
        ActionField, on_delete=models.PROTECT, related_name="items", verbose_name=_("action field")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("text"))
    # The language the text was written in (the proposer's language; "" : not known), and
    # versions of it in other languages written by people (services.versions):
    # {"de": "...", "tr": "..."}. No outside translation service is used.
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    versions = models.JSONField(_("versions in other languages"), default=dict, blank=True)
    # A goal answers needs, a measure answers goals (see services.items.REF_KIND).
    refs = models.ManyToManyField("self", symmetrical=False, related_name="answered_by", blank=True)
    # The city's sub-goal a forum goal or measure works towards (None: stands alone).
    sub_goal = models.ForeignKey(
        SubGoal,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
        verbose_name=_("sub-goal"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.VISIBLE
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    # A measure the forum sends to the plenary, and what the plenary decided on it
    # (None: not decided yet).
    shortlisted = models.BooleanField(_("shortlisted"), default=False)
    adopted = models.BooleanField(_("adopted"), null=True, blank=True)
    author = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the city needs to carry a measure out (services.measures.set_measure_details).
    lead = models.CharField(_("lead (Federführung)"), max_length=200, blank=True)
    partners = models.CharField(_("partners"), max_length=300, blank=True)
    timeframe = models.CharField(_("time frame"), max_length=200, blank=True)
    resources = models.CharField(_("resources"), max_length=300, blank=True)
    indicator = models.CharField(_("indicator of success"), max_length=300, blank=True)
    # The department or partner that carries an adopted measure out and reports on it.
    lead_org = models.ForeignKey(
        "Lead",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
        verbose_name=_("lead"),
    )
    # The follow-up of an adopted measure until the next conference.
    implementation = models.CharField(
        _("implementation status"),
        max_length=16,
        choices=Implementation.choices,
        default=Implementation.PLANNED,
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # A measure brought in from the previous conference for evaluation: it shows the
    # origin's text and status and cannot be edited here.
    origin = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_into",
        verbose_name=_("carried over from"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["id"]
        indexes = [models.Index(fields=["forum", "status"])]

    def __str__(self):
        return self.text[:60]


class ForumEvent(models.Model):
    """The forum's event log: one row per committed change, numbered by the forum's rev.

    Live clients that missed events catch up from here (``sync``); the publisher sends
    each row to the forum's group after commit.
    """

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="events")
    rev = models.PositiveBigIntegerField()
    name = models.CharField(max_length=64)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["forum", "rev"]
        constraints = [
            models.UniqueConstraint(fields=["forum", "rev"], name="event_rev_unique"),
        ]

    def __str__(self):
        return f"{self.forum_id}@{self.rev} {self.name}"


class AuditEntry(models.Model):
    """Who did what as a moderator, in dotted action names (``forum.item.hidden``).

    Never records who voted how.
    """

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="audit")
    forum = models.ForeignKey(
        Forum, null=True, blank=True, on_delete=models.CASCADE, related_name="audit"
    )
    action = models.CharField(max_length=64)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]


class Round(models.Model):
    """A voting round of a forum. Method, limits and items are frozen once it opens."""

    # One choice per voting method of workshops/methods.py, e.g. Round.Method.DOTS.
    Method = models.TextChoices(
        "Method", [(m.name.upper(), (m.name, m.label)) for m in methods.METHODS.values()]
    )

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="rounds")
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    items = models.ManyToManyField(Item, related_name="rounds", blank=True)
    # dots: points per participant and at most per item
    budget = models.PositiveIntegerField(null=True, blank=True)
    per_item = models.PositiveIntegerField(null=True, blank=True)
    # tallies go to moderators only until the round closes or the moderator reveals them
    # (a "blind" dot vote: nobody follows the crowd)
    secret = models.BooleanField(default=False)
    revealed = models.BooleanField(default=False)
    # dots: may a participant put points on their own proposals?
    allow_own = models.BooleanField(default=True)
    # consent: resistance from this value on counts as a veto to talk about
    veto = models.PositiveSmallIntegerField(default=8)
    # the round this one was reopened from, if any
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("voting round")
        verbose_name_plural = _("voting rounds")
        ordering = ["forum", "id"]

    def __str__(self):
        return f"{self.get_method_display()} #{self.pk}"


# In a consent round the option "leave things as they are" (Passivlösung) is always on
# the ballot. It is not an item; votes and tallies name it with this id.
PASSIVE_OPTION = methods.PASSIVE_OPTION


class Ballot(models.Model):
    """A participant's points spent in a round: the row the dots budget is enforced on."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="ballots")
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "participant"], name="ballot_once"),
        ]


class Vote(models.Model):
    """One participant's value on one option of a round. Never shown with its participant.

    The purge of personal data (services.privacy) replaces the link to the participant
    with ``ballot``, a number the person's votes share in that round only (as marks on
    one paper ballot): every count stays, and no vote leads to a person or to their votes
    in another round.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.CASCADE, related_name="votes"
    )
    ballot = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # an item id, or PASSIVE_OPTION in a consent round
    option = models.BigIntegerField()
    value = models.SmallIntegerField()
    # the participant's stakeholder group when voting, for the breakdown
    group = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "participant", "option"], name="vote_once"),
        ]
        indexes = [models.Index(fields=["round", "option"])]


class AnalogCount(models.Model):
    """Votes cast on paper or a pin board, added by a moderator (e.g. 7 dots from the
    Leichte-Sprache table). Shown beside the phone votes, never mixed into them."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="analog_counts")
    option = models.BigIntegerField()
    value = models.SmallIntegerField()
    count = models.PositiveIntegerField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "id"]


class VotingCard(models.Model):
    """A printed single-use voting card. Only a salted hash of its code is stored; the
    first phone that uses it holds it."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="cards")
    code_hash = models.CharField(max_length=64)
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="cards"
    )
    bound_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["forum", "code_hash"], name="card_hash_unique"),
            # one card per phone and forum
            models.UniqueConstraint(fields=["forum", "participant"], name="card_per_participant"),
        ]


class MeasureUpdate(models.Model):
    """A dated note on how an adopted measure is getting on (services.measures)."""

    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="updates", verbose_name=_("measure")
    )
    date = models.DateField(_("date"))
    text = models.CharField(_("text"), max_length=500)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Written by the lead through its personal link (None: by staff).
    lead = models.ForeignKey(
        "Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="updates"
    )
    # The voting round of a later conference that evaluated the measure (its copy there,
    # ``Item.origin``); the text states the result (services.measures.record_evaluations).
    round = models.ForeignKey(
        "Round", null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluations"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("measure update")
        verbose_name_plural = _("measure updates")
        ordering = ["item", "-date", "-id"]

    def __str__(self):
        return f"{self.date}: {self.text[:60]}"


class Lead(models.Model):
    """A department or partner organisation leading adopted measures of a conference.

    It updates its own measures through a personal link: ``token_hash`` is the SHA-256 of
    the link's random token (the token itself is shown once, to the organiser who sends
    it); a revoked lead's link opens nothing.
    """

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="leads", verbose_name=_("conference")
    )
    name = models.CharField(_("name"), max_length=200)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    # How the public may reach the lead about its measures, shown on the status page: what
    # the staff enter here for everyone to read (the contact person and the e-mail address
    # above stay with the staff, for the follow-up).
    public_contact = models.CharField(
        _("public contact"),
        max_length=200,
        blank=True,
        help_text=_(
            "How the public may reach the lead about its measures, e.g. an office's "
            "telephone number or shared mailbox; shown on the public status page."
        ),
    )
    token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    link_issued_at = models.DateTimeField(_("link issued at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["conference", "name"]
        constraints = [
            models.UniqueConstraint(fields=["conference", "name"], name="lead_name_unique"),
        ]

    def __str__(self):
        return self.name


class Indicator(models.Model):
    """How a measure's success is measured: a unit, a baseline, a target by a date."""

    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("measure")
    )
    title = models.CharField(_("title"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["item", "position", "id"]

    def __str__(self):
        return self.title


class IndicatorValue(models.Model):
    """A measured value of an indicator on a date."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", verbose_name=_("indicator")
    )
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator", "date", "id"]


class RetiredLeadLink(models.Model):
    """The hash of a lead's link that a newer one replaced (reissued by staff or sent with a
    reminder): opening it says the link was replaced, instead of "unknown"."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="retired_links")
    token_hash = models.CharField(max_length=64, unique=True)
    retired_at = models.DateTimeField(auto_now_add=True)


class ReminderSent(models.Model):
    """A lead was reminded for a reporting date: once per (lead, date), held by the
    database, so two runs of ``send_lead_reminders`` at once still send one e-mail."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="reminders")
    due = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "due"], name="reminder_once_per_due_date"),
        ]


class ItemSignature(models.Model):
    """What the duplicate finder keeps of a shown item (workshops/signatures.py): its
    comparable units and the concepts its words come near (``similarity.Signature``),
    and how many index keys it has. Written in the transaction that writes the item;
    only shown items have one. Its primary key is the item's id."""

    item = models.OneToOneField(
        Item, primary_key=True, on_delete=models.CASCADE, related_name="signature"
    )
    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField()
    size = models.PositiveIntegerField()


class ItemShingle(models.Model):
    """The forum's inverted index: one row per index key of a shown item (its words'
    character trigrams and its concepts, with its kind: ``similarity.index_keys``)."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.IntegerField()
    signature = models.ForeignKey(ItemSignature, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["forum", "key", "signature"], name="workshops_shingle_lookup")
        ]


class SimilarPair(models.Model):
    """Two shown items of a forum, of one kind, likely saying the same, with their score:
    found when the newer (or edited, or restored) one was written; read by the console.
    The signatures' primary keys are the items' ids."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(ItemSignature, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(ItemSignature, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()


class Invitation(models.Model):
    """A moderator invited by an organiser to run some forums of a conference.

    The invitee sets their own password through a one-time link: ``token_hash`` is the
    SHA-256 of the link's random token (the token is shown once, to the organiser, and
    sent by e-mail). The link works until ``expires_at`` and only once (``accepted_at``).
    """

    conference = models.ForeignKey(
        Conference,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("conference"),
    )
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail address"))
    forums = models.ManyToManyField(Forum, related_name="invitations", verbose_name=_("forums"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # The account the invitation made or switched on, once accepted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["conference", "-created_at", "-id"]

    def __str__(self):
        return f"{self.name} <{self.email}>"
