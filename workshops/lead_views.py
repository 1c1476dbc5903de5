"""The follow-up of adopted measures by their leads: the lead's own page, opened by its
personal link without an account, and the staff's page for leads, links, indicators
and the reporting date. Parsing happens here; every change is one service call
(``services.leads``, ``services.indicators``, ``services.measures``)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from workshops import rules, throttle
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import (
    Conference,
    Indicator,
    IndicatorValue,
    Item,
    Lead,
    MeasureUpdate,
    ReminderSent,
)
from workshops.services import indicators as indicator_services
from workshops.services import leads as lead_services
from workshops.services import measures as measure_services
from workshops.services.indicators import parse_date, parse_decimal


def _id(raw) -> int | None:
    raw = str(raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _with_follow_up(measures):
    """Measures with their updates (newest first) and indicators with their values."""
    return measures.prefetch_related(
        Prefetch("updates", queryset=MeasureUpdate.objects.order_by("-date", "-id")),
        Prefetch(
            "indicators",
            queryset=Indicator.objects.prefetch_related(
                Prefetch("values", queryset=IndicatorValue.objects.order_by("-date", "-id"))
            ),
        ),
    )


# --- the lead's page ------------------------------------------------------------------------

LEAD_ACTIONS = {
    "status": lambda actor, post: measure_services.set_implementation_status(
        actor=actor,
        item=_id(post.get("item")),
        status=post.get("status"),
        progress=post.get("progress") or None,
    ),
    "update": lambda actor, post: measure_services.add_measure_update(
        actor=actor,
        item=_id(post.get("item")),
        text=post.get("text", ""),
        date=parse_date(post.get("date"), field="date", required=False),
    ),
    "value": lambda actor, post: indicator_services.add_indicator_value(
        actor=actor,
        indicator=_id(post.get("indicator")),
        date=parse_date(post.get("date"), field="date"),
        value=parse_decimal(post.get("value"), field="value"),
    ),
}


def _lead_refused(request, message, status):
    response = render(request, "workshops/lead_refused.html", {"message": message}, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def lead_page(request, token):
    """The page of one lead: exactly its adopted measures, with their status, progress,
    dated updates and indicator values, each changeable by a plain form POST."""
    address = throttle.client_address(request)
    session = throttle.session_key(getattr(request, "session", None))
    if throttle.lead_link_guessing(address, session):
        return _lead_refused(
            request,
            _(
                "Too many links that do not work were opened from here. Please wait a "
                "quarter of an hour, then open the link from your e-mail again."
            ),
            429,
        )
    try:
        lead = lead_services.open_lead_link(token)
    except lead_services.LinkRefused as exc:
        throttle.lead_link_missed(address, session)
        return _lead_refused(request, exc.message, 403 if exc.code == "forbidden" else 404)
    here = reverse("workshops:lead_page", args=[token])
    error, posted, status = None, {}, 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if not throttle.lead_change_allowed(lead.token_hash):
            error = _("Too many changes in one minute. Please wait a moment and try again.")
            status = 429
        elif action not in LEAD_ACTIONS:
            error, status = _("Unknown action."), 400
        else:
            try:
                LEAD_ACTIONS[action](Actor(lead=lead), request.POST)
            except ServiceError as exc:
                error, status = str(exc.message), 400
            else:
                messages.success(request, _("Saved."))
                item = _id(request.POST.get("item") or request.POST.get("measure"))
                return HttpResponseRedirect(here + (f"#measure-{item}" if item else ""))
        posted = {
            "action": action,
            "item": _id(request.POST.get("item") or request.POST.get("measure")),
            "indicator": _id(request.POST.get("indicator")),
            "text": request.POST.get("text", "")[:2000],
            "date": request.POST.get("date", "")[:20],
            "value": request.POST.get("value", "")[:40],
        }
    measures = list(_with_follow_up(lead_services.lead_measures(lead)))
    response = render(
        request,
        "workshops/lead_page.html",
        {
            "lead": lead,
            "conference": lead.conference,
            "measures": measures,
            "statuses": Item.Implementation.choices,
            "update_max": measure_services.UPDATE_TEXT_MAX,
            "here": here,
            "error": error,
            "posted": posted,
        },
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


# --- the staff's page -----------------------------------------------------------------------


def _lead_of(conference, raw) -> Lead:
    lead = conference.leads.filter(pk=_id(raw)).first()
    if lead is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This lead does not exist."))
    return lead


def _assign(actor, conference, post):
    raw = post.get("lead", "")
    lead = _lead_of(conference, raw) if raw else None
    item = _id(post.get("item"))
    if not Item.objects.filter(pk=item, forum__conference=conference).exists():
        raise ServiceError(ServiceError.NOT_FOUND, _("This item does not exist."))
    return lead_services.assign_measure_lead(actor=actor, item=item, lead=lead)


def _define(actor, conference, post):
    item = _id(post.get("item"))
    if not Item.objects.filter(pk=item, forum__conference=conference).exists():
        raise ServiceError(ServiceError.NOT_FOUND, _("This item does not exist."))
    return indicator_services.define_indicator(
        actor=actor,
        item=item,
        title=post.get("title", ""),
        unit=post.get("unit", ""),
        baseline=parse_decimal(post.get("baseline"), field="baseline"),
        baseline_date=parse_date(post.get("baseline_date"), field="baseline_date", required=False),
        target=parse_decimal(post.get("target"), field="target"),
        target_date=parse_date(post.get("target_date"), field="target_date", required=False),
    )


def _remove(actor, conference, post):
    indicator = Indicator.objects.filter(
        pk=_id(post.get("indicator")), item__forum__conference=conference
    ).first()
    if indicator is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This indicator does not exist."))
    indicator_services.remove_indicator(actor=actor, indicator=indicator)


STAFF_ACTIONS = {
    "edit": lambda actor, conference, post: lead_services.edit_lead(
        actor=actor,
        lead=_lead_of(conference, post.get("lead")),
        name=post.get("name", ""),
        contact=post.get("contact", ""),
        email=post.get("email", ""),
        public_contact=post.get("public_contact", ""),
    ),
    "revoke": lambda actor, conference, post: lead_services.revoke_lead_link(
        actor=actor, lead=_lead_of(conference, post.get("lead"))
    ),
    "assign": _assign,
    "indicator": _define,
    "remove_indicator": _remove,
    "report_due": lambda actor, conference, post: lead_services.set_report_due(
        actor=actor,
        conference=conference,
        due=parse_date(post.get("due"), field="due", required=False),
    ),
}
# These show the new link once, on the page that answers the POST (never in a redirect,
# a message cookie or a log).
ISSUING_ACTIONS = {
    "create": lambda actor, conference, post: lead_services.create_lead(
        actor=actor,
        conference=conference,
        name=post.get("name", ""),
        contact=post.get("contact", ""),
        email=post.get("email", ""),
        public_contact=post.get("public_contact", ""),
    ),
    "issue": lambda actor, conference, post: lead_services.issue_lead_link(
        actor=actor, lead=_lead_of(conference, post.get("lead"))
    ),
}


@never_cache
@require_http_methods(["GET", "POST"])
def leads_manage(request, slug):
    """The staff's page: leads and their links, who leads which adopted measure, the
    measures' indicators, and the reporting date."""
    conference = get_object_or_404(Conference, slug=slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    actor = Actor(user=request.user)
    if not rules.can_follow_up(actor, conference):
        return render(request, "workshops/forbidden.html", {"forum": None}, status=403)
    back = reverse("workshops:leads_manage", args=[conference.slug])
    issued = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ISSUING_ACTIONS:
                link = ISSUING_ACTIONS[action](actor, conference, request.POST)
                issued = {
                    "lead": link.lead,
                    "url": request.build_absolute_uri(
                        reverse("workshops:lead_page", args=[link.token])
                    ),
                }
            elif action in STAFF_ACTIONS:
                STAFF_ACTIONS[action](actor, conference, request.POST)
                messages.success(request, _("Saved."))
            else:
                messages.error(request, _("Unknown action."))
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        if issued is None:
            return HttpResponseRedirect(back)
    leads = list(conference.leads.order_by("name"))
    measures = list(
        _with_follow_up(
            Item.objects.filter(
                forum__conference=conference,
                kind=Item.Kind.MEASURE,
                adopted=True,
                status=Item.Status.VISIBLE,
                origin__isnull=True,
            )
            .select_related("field", "lead_org")
            .order_by("field__position", "field_id", "id")
        )
    )
    counts = {}
    for measure in measures:
        counts[measure.lead_org_id] = counts.get(measure.lead_org_id, 0) + 1
    reminded = dict(
        ReminderSent.objects.filter(
            lead__conference=conference, due=conference.report_due
        ).values_list("lead_id", "sent_at")
    )
    for lead in leads:
        lead.measure_count = counts.get(lead.pk, 0)
        lead.reminded_at = reminded.get(lead.pk)
    return render(
        request,
        "workshops/leads_manage.html",
        {
            "conference": conference,
            "leads": leads,
            "measures": measures,
            "issued": issued,
        },
    )
