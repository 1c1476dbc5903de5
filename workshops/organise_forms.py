"""The organiser's forms: they parse and bound what the pages send; the services in
``services.organise`` decide. Plain Django forms, rendered by the templates, so every
step works without JavaScript."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from workshops.models import ActionField, Conference, Forum, GuidingGoal, Invitation
from workshops.services.organise import Details, ForumPlan

# A conference file is a page of text; anything bigger is not one.
FILE_MAX_BYTES = 512 * 1024


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


class DetailsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    motto = forms.CharField(label=_("Motto"), max_length=300, required=False)
    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    venue = forms.CharField(label=_("Venue"), max_length=300, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages offered"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages participants can choose on their phones."),
    )
    stakeholder_groups = forms.CharField(
        label=_("Stakeholder groups"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One group per line; participants may say which one they belong to."),
    )

    def clean_stakeholder_groups(self):
        groups = _lines(self.cleaned_data["stakeholder_groups"])
        too_long = [g for g in groups if len(g) > 100]
        if too_long:
            raise forms.ValidationError(_("A group name has at most 100 characters."))
        return groups

    def details(self) -> Details:
        data = self.cleaned_data
        return Details(
            title=data["title"],
            motto=data["motto"],
            date=data["date"],
            venue=data["venue"],
            languages=tuple(data["languages"]),
            stakeholder_groups=data["stakeholder_groups"],
        )

    @classmethod
    def initial_of(cls, conference: Conference) -> dict:
        return {
            "title": conference.title,
            "motto": conference.motto,
            "date": conference.date,
            "venue": conference.venue,
            "languages": conference.languages,
            "stakeholder_groups": "\n".join(conference.stakeholder_groups),
        }


class NewConferenceForm(DetailsForm):
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=80,
        help_text=_(
            "In the addresses, e.g. ik-musterstadt-2027: lower-case letters, digits, dashes."
        ),
    )
    field_order = ["title", "slug"]


class FieldForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=ActionField._meta.get_field("title").max_length
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GoalForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=GuidingGoal._meta.get_field("title").max_length
    )

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label is not None:  # several on one page: each says what it adds
            self.fields["title"].label = label


class ForumForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Forum.Kind.choices)
    fields = forms.TypedMultipleChoiceField(
        label=_("Action fields"), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    room = forms.CharField(label=_("Room"), max_length=100, required=False)
    starts_at = forms.TimeField(
        label=_("Starts at"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends_at = forms.TimeField(
        label=_("Ends at"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    code = forms.CharField(
        label=_("Join code"),
        max_length=12,
        required=False,
        help_text=_("Leave empty for a new random code; fix one when it is printed already."),
    )

    def __init__(self, *args, conference: Conference, prefix=None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        self.fields["fields"].choices = [
            (f.pk, f.title) for f in conference.fields.order_by("position", "id")
        ]

    def plan(self) -> ForumPlan:
        data = self.cleaned_data
        return ForumPlan(
            title=data["title"],
            kind=data["kind"],
            fields=tuple(data["fields"]),
            room=data["room"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            code=data["code"].strip(),
        )

    @classmethod
    def initial_of(cls, forum: Forum) -> dict:
        return {
            "title": forum.title,
            "kind": forum.kind,
            "fields": [f.pk for f in forum.fields.all()],
            "room": forum.room,
            "starts_at": forum.starts_at,
            "ends_at": forum.ends_at,
            "code": forum.code,
        }


class InviteForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=Invitation._meta.get_field("name").max_length
    )
    email = forms.EmailField(label=_("E-mail address"))
    forums = forms.TypedMultipleChoiceField(
        label=_("Forums"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, conference: Conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forums"].choices = [
            (f.pk, f.title) for f in conference.forums.order_by("position", "id")
        ]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Conference file (TOML)"),
        help_text=_("The file another conference was exported as, or one written by hand."),
    )
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=80,
        required=False,
        help_text=_("Optional: replaces the short name in the file."),
    )
    new_codes = forms.BooleanField(
        label=_("Give the forums new join codes"),
        required=False,
        help_text=_("For last year's file on this server: its codes are taken."),
    )


class CopyForm(forms.Form):
    title = forms.CharField(label=_("Title of the new conference"), max_length=200)
    slug = forms.SlugField(label=_("Short name"), max_length=80)
    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class NewPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("The password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data

    @property
    def password(self) -> str:
        return self.cleaned_data["password1"]


class AccountPasswordForm(forms.Form):
    """For an address that has an account already: its own password confirms it."""

    password1 = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    @property
    def password(self) -> str:
        return self.cleaned_data["password1"]
