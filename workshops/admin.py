"""The city's set-up desk: conferences, action fields, forums and moderators.

Set-up data is edited here directly. Forum state (items, rev, open proposals) is not:
those changes go through the services, as admin actions, so they reach live clients.
"""
from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import (
    ActionField,
    AuditEntry,
    Conference,
    Forum,
    ForumEvent,
    Item,
    Participant,
)
from workshops.services.forums import set_proposals_open
from workshops.services.items import hide_item, restore_item


class ActionFieldInline(admin.TabularInline):
    model = ActionField
    extra = 1
    fields = ["position", "title", "description"]


@admin.register(Conference)
class ConferenceAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "date", "venue"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["moderators"]
    inlines = [ActionFieldInline]


class ForumForm(forms.ModelForm):
    class Meta:
        model = Forum
        fields = ["conference", "title", "kind", "fields", "code", "position"]

    def clean_code(self):
        from workshops.codes import normalize_join_code

        code = normalize_join_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(_("A join code has 6 characters from ABCDEFGHJKMNPQRSTUVWXYZ23456789."))
        return code

    def clean(self):
        cleaned = super().clean()
        conference = cleaned.get("conference")
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
    actions = ["open_proposals", "close_proposals"]

    @admin.action(description=_("Open proposals"))
    def open_proposals(self, request, queryset):
        _run(self, request, queryset, lambda a, f: set_proposals_open(actor=a, forum=f, open=True),
             _("Proposals opened in %(n)d forums."))

    @admin.action(description=_("Close proposals"))
    def close_proposals(self, request, queryset):
        _run(self, request, queryset, lambda a, f: set_proposals_open(actor=a, forum=f, open=False),
             _("Proposals closed in %(n)d forums."))


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ["id", "text", "kind", "field", "forum", "status", "created_at"]
    list_filter = ["forum__conference", "forum", "kind", "status"]
    search_fields = ["text"]
    actions = ["hide", "restore"]

    @admin.action(description=_("Hide the selected items"))
    def hide(self, request, queryset):
        _run(self, request, queryset, lambda a, i: hide_item(actor=a, forum=i.forum, item=i.pk),
             _("%(n)d items hidden."))

    @admin.action(description=_("Show the selected items again"))
    def restore(self, request, queryset):
        _run(self, request, queryset, lambda a, i: restore_item(actor=a, forum=i.forum, item=i.pk),
             _("%(n)d items shown again."))


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = ["id", "display_name", "group", "language", "conference", "created_at"]
    list_filter = ["conference", "group", "language"]


@admin.register(ForumEvent)
class ForumEventAdmin(ReadOnlyAdmin):
    list_display = ["forum", "rev", "name", "created_at"]
    list_filter = ["forum", "name"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor_user", "forum"]
    list_filter = ["conference", "action"]
