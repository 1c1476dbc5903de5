"""The privacy notice, the accessibility statement, and leaving a conference."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workshops.identity import session_participant
from workshops.page_access import forum_or_none, unknown_code
from workshops.services.privacy import forget_participant, leave_conference


def _contacts() -> dict:
    statement_date = None
    try:
        statement_date = date.fromisoformat(settings.ACCESSIBILITY_STATEMENT_DATE)
    except ValueError:
        pass
    return {
        "controller": settings.PRIVACY_CONTROLLER,
        "controller_address": settings.PRIVACY_CONTROLLER_ADDRESS,
        "privacy_email": settings.PRIVACY_CONTACT_EMAIL,
        "officer_email": settings.PRIVACY_OFFICER_EMAIL,
        "retention_days": settings.PERSONAL_DATA_RETENTION_DAYS,
        "a11y_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "a11y_phone": settings.ACCESSIBILITY_CONTACT_PHONE,
        "enforcement_url": settings.ACCESSIBILITY_ENFORCEMENT_URL,
        "statement_date": statement_date,
    }


@require_GET
def privacy(request):
    return render(request, "workshops/privacy.html", _contacts())


@require_GET
def accessibility(request):
    return render(request, "workshops/accessibility.html", _contacts())


@require_POST
def leave(request, code):
    """Leave the forum's conference: name and group are removed, the browser forgets the
    participant; proposals and votes stay without a name."""
    forum, _canonical = forum_or_none(code, request)
    if forum is None:
        return unknown_code(request, code)
    participant = session_participant(request.session, forum.conference_id)
    if participant is not None:
        leave_conference(participant=participant)
        forget_participant(request.session, forum.conference_id)
        messages.success(
            request,
            _(
                "You have left. Your name and group are removed; "
                "your proposals and votes stay without a name."
            ),
        )
    return HttpResponseRedirect(reverse("workshops:landing"))
