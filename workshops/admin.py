"""The city's set-up desk: conferences, action fields, forums and moderators.

Set-up data is edited here directly. Forum state (items, rev, open proposals) is not:
those changes go through the services, as admin actions, so they reach live clients.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from workshops.actors import Actor
from workshops.codes import normalize_join_code
from workshops.exceptions import ServiceError
from workshops.models import (
    ActionField,
    AuditEntry,
    Conference,
    Forum,
    ForumEvent,
    GuidingGoal,
    Item,
    MeasureUpdate,
    Participant,
    SubGoal,
)
from workshops.services.access import new_screen_key, remove_moderator
from workshops.services.forums import set_proposals_open
from workshops.services.items import hide_item, restore_item
from workshops.services.measures import (
    carry_over_measures,
    publish_results,
    set_implementation_status,
    set_measure_details,
)


def clean_titles(value) -> dict:
    """Titles in other languages as the admin takes them: {language code: text}."""
    from django.conf import settings

    known = [code for code, _name in settings.LANGUAGES]
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or not all(
        code in known and isinstance(text, str) and text.strip() and len(text) <= 200
        for code, text in value.items()
    ):
        raise forms.ValidationError(
            _('Give titles by language code, e.g. {"tr": "…"}; known codes: %(codes)s.')
            % {"codes": ", ".join(known)}
        )
    return {code: text.strip() for code, text in value.items()}


class ActionFieldForm(forms.ModelForm):
    def clean_titles(self):
        return clean_titles(self.cleaned_data.get("titles"))


class ActionFieldInline(admin.TabularInline):
    model = ActionField
    form = ActionFieldForm
    extra = 1
    fields = ["position", "title", "description", "titles"]
    # Its guiding goals are edited on the action field's own page (inlines do not nest).
    show_change_link = True


class GuidingGoalInline(admin.TabularInline):
    model = GuidingGoal
    extra = 1
    fields = ["position", "title"]
    show_change_link = True


class SubGoalInline(admin.TabularInline):
    model = SubGoal
    extra = 2
    fields = ["position", "title"]


@admin.register(ActionField)
class ActionFieldAdmin(admin.ModelAdmin):
    """An action field with its guiding goals (Leitziele); each guiding goal's page holds
    its sub-goals (Teilziele)."""

    list_display = ["title", "conference", "position"]
    list_filter = ["conference"]
    fields = ["conference", "position", "title", "description", "titles"]
    form = ActionFieldForm
    inlines = [GuidingGoalInline]


@admin.register(GuidingGoal)
class GuidingGoalAdmin(admin.ModelAdmin):
    list_display = ["title", "field", "position"]
    list_filter = ["field__conference", "field"]
    list_select_related = ["field"]
    search_fields = ["title", "sub_goals__title"]
    fields = ["field", "position", "title"]
    inlines = [SubGoalInline]


class ConferenceForm(forms.ModelForm):
    # The languages offered to participants, as boxes to tick rather than JSON to type.
    languages = forms.TypedMultipleChoiceField(
        label=_("languages offered"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: German and English."),
    )

    class Meta:
        model = Conference
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["languages"].choices = settings.LANGUAGES


@admin.register(Conference)
class ConferenceAdmin(admin.ModelAdmin):
    form = ConferenceForm
    list_display = ["title", "slug", "date", "venue"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["moderators", "interpreters"]
    inlines = [ActionFieldInline]
    readonly_fields = ["results_published"]
    actions = ["publish", "unpublish"]

    def save_related(self, request, form, formsets, change):
        # Moderators taken off go through the service first: their open consoles are
        # closed at once (services.access); the form then writes the rest.
        if change and "moderators" in form.cleaned_data:
            kept = {user.pk for user in form.cleaned_data["moderators"]}
            for user_id in set(form.instance.moderators.values_list("pk", flat=True)) - kept:
                try:
                    remove_moderator(
                        actor=Actor(user=request.user), conference=form.instance, user=user_id
                    )
                except ServiceError as exc:
                    self.message_user(request, str(exc.message), messages.WARNING)
        super().save_related(request, form, formsets, change)

    @admin.action(description=_("Publish the results (exports for everyone)"))
    def publish(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda a, c: publish_results(actor=a, conference=c, published=True),
            _("Results of %(n)d conferences published."),
        )

    @admin.action(description=_("Withdraw the publication of the results"))
    def unpublish(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda a, c: publish_results(actor=a, conference=c, published=False),
            _("Publication of %(n)d conferences withdrawn."),
        )


# The forum columns the admin may write: set-up only. The rest (rev, proposals_open,
# requires_cards, the keys) is forum state that changes through the services.
FORUM_SETUP_COLUMNS = ["conference", "title", "kind", "code", "position", "titles"]


class ForumForm(forms.ModelForm):
    class Meta:
        model = Forum
        fields = [*FORUM_SETUP_COLUMNS, "fields"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "fields" in self.fields:
            # Offer only the forum's own conference's action fields; clean() still checks,
            # since a crafted POST can name any id.
            self.fields["fields"].queryset = ActionField.objects.filter(
                conference_id=self.instance.conference_id
            )

    def clean_titles(self):
        return clean_titles(self.cleaned_data.get("titles"))

    def clean_code(self):
        code = normalize_join_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("A join code has 6 characters from ABCDEFGHJKMNPQRSTUVWXYZ23456789.")
            )
        return code

    def clean(self):
        cleaned = super().clean()
        # On a change the conference is read-only, so it is not in cleaned_data.
        conference = cleaned.get("conference") or (
            self.instance.conference if self.instance.conference_id else None
        )
        chosen = cleaned.get("fields") or []
        if conference and any(f.conference_id != conference.pk for f in chosen):
            self.add_error("fields", _("Choose action fields of this forum's conference only."))
        return cleaned


def _run(modeladmin, request, queryset, service, done):
    actor = Actor(user=request.user)
    changed = 0
    for obj in queryset:
        try:
            service(actor, obj)
            changed += 1
        except ServiceError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.WARNING)
    if changed:
        modeladmin.message_user(request, done % {"n": changed}, messages.SUCCESS)


@admin.register(Forum)
class ForumAdmin(admin.ModelAdmin):
    form = ForumForm
    list_display = ["title", "conference", "kind", "code", "proposals_open", "rev"]
    list_filter = ["conference", "kind", "proposals_open"]
    readonly_fields = ["proposals_open", "rev", "screen_key"]
    filter_horizontal = ["fields"]
    actions = ["open_proposals", "close_proposals", "carry_over", "new_screen_key"]
    list_select_related = ["conference"]

    @admin.action(description=_("Bring in the previous conference's adopted measures"))
    def carry_over(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda a, f: carry_over_measures(actor=a, conference=f.conference, forum=f),
            _("Measures brought into %(n)d forums."),
        )

    def get_readonly_fields(self, request, obj=None):
        # A forum's items, participants and rounds belong to its conference: moving it
        # to another one would leave them pointing at foreign action fields.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "conference"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.save()
            return
        # Write only the set-up columns this form changed. A full save() would write back
        # the rev and proposals_open read when the page was opened, over every change
        # made live since, and clients would see the rev go backwards.
        changed = [name for name in form.changed_data if name in FORUM_SETUP_COLUMNS]
        if changed:
            obj.save(update_fields=changed)

    @admin.action(description=_("New screen key (the open projector screens are closed)"))
    def new_screen_key(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda a, f: new_screen_key(actor=a, forum=f),
            _("New screen keys for %(n)d forums."),
        )

    @admin.action(description=_("Open proposals"))
    def open_proposals(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda a, f: set_proposals_open(actor=a, forum=f, open=True),
            _("Proposals opened in %(n)d forums."),
        )

    @admin.action(description=_("Close proposals"))
    def close_proposals(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda a, f: set_proposals_open(actor=a, forum=f, open=False),
            _("Proposals closed in %(n)d forums."),
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """To look at, never to write: items change through the services (so the rev, the
    event log and live clients follow), and the logs are the record of what happened.
    Deleting is refused too: removing a participant would drop their votes from the
    tallies behind the clients' backs."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


MEASURE_DETAILS = ["lead", "partners", "timeframe", "resources", "indicator"]


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "text",
        "kind",
        "field",
        "forum",
        "status",
        "adopted",
        "implementation",
        "progress",
        "created_at",
    ]
    list_filter = ["forum__conference", "forum", "kind", "status", "adopted", "implementation"]
    search_fields = ["text"]
    list_select_related = ["field", "forum"]
    actions = ["hide", "restore", "mark_planned", "mark_in_progress", "mark_done", "mark_dropped"]
    # A measure's details are the one thing written here, through the service; the rest
    # is shown read-only.
    fields = [
        "text",
        "kind",
        "field",
        "sub_goal",
        "forum",
        "status",
        "adopted",
        *MEASURE_DETAILS,
        "implementation",
        "progress",
        "origin",
    ]
    readonly_fields = [name for name in fields if name not in MEASURE_DETAILS]

    def has_change_permission(self, request, obj=None):
        from workshops import rules

        return (
            obj is not None
            and obj.kind == Item.Kind.MEASURE
            and obj.origin_id is None
            and rules.is_moderator(Actor(user=request.user), obj.forum.conference_id)
        )

    def save_model(self, request, obj, form, change):
        try:
            set_measure_details(
                actor=Actor(user=request.user),
                item=obj.pk,
                **{name: form.cleaned_data.get(name, "") for name in MEASURE_DETAILS},
            )
        except ServiceError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)

    def save_related(self, request, form, formsets, change):
        pass  # refs and the rest are not edited here

    def _mark(self, request, queryset, status):
        _run(
            self,
            request,
            queryset,
            lambda a, i: set_implementation_status(actor=a, item=i, status=status),
            _("Status of %(n)d measures set."),
        )

    @admin.action(description=_("Implementation: planned"))
    def mark_planned(self, request, queryset):
        self._mark(request, queryset, Item.Implementation.PLANNED)

    @admin.action(description=_("Implementation: in progress"))
    def mark_in_progress(self, request, queryset):
        self._mark(request, queryset, Item.Implementation.IN_PROGRESS)

    @admin.action(description=_("Implementation: done"))
    def mark_done(self, request, queryset):
        self._mark(request, queryset, Item.Implementation.DONE)

    @admin.action(description=_("Implementation: dropped"))
    def mark_dropped(self, request, queryset):
        self._mark(request, queryset, Item.Implementation.DROPPED)

    @admin.action(description=_("Hide the selected items"))
    def hide(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda a, i: hide_item(actor=a, forum=i.forum, item=i.pk),
            _("%(n)d items hidden."),
        )

    @admin.action(description=_("Show the selected items again"))
    def restore(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda a, i: restore_item(actor=a, forum=i.forum, item=i.pk),
            _("%(n)d items shown again."),
        )


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = ["id", "display_name", "group", "language", "conference", "created_at"]
    list_select_related = ["conference"]
    list_filter = ["conference", "group", "language"]


@admin.register(ForumEvent)
class ForumEventAdmin(ReadOnlyAdmin):
    list_display = ["forum", "rev", "name", "created_at"]
    list_filter = ["forum", "name"]
    list_select_related = ["forum"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor_user", "forum"]
    list_filter = ["conference", "action"]
    list_select_related = ["actor_user", "forum"]


@admin.register(MeasureUpdate)
class MeasureUpdateAdmin(ReadOnlyAdmin):
    list_display = ["date", "text", "item"]
    list_filter = ["item__forum__conference"]
    list_select_related = ["item"]
