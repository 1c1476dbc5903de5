"""Conference-wide pages: the exports, the public status of the adopted measures, and
the moderators' page to follow them up. Reads through ``exports.data`` and the
selectors below; every change is one call into ``services.measures``.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from workshops import monitoring, rules
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.exports.data import (
    DOCUMENTATION,
    KINDS,
    MEASURES,
    MONITORING,
    conference_report,
    measures_without_german,
)
from workshops.exports.monitoring import monitoring_report
from workshops.exports.writers import FORMATS
from workshops.exports.writers import render as render_export
from workshops.models import Conference, Item, MeasureUpdate
from workshops.selectors import DETAIL_FIELDS
from workshops.services import measures as measure_services

# File names of the exports, per kind (German: the documents go to a German council).
FILE_NAMES = {MEASURES: "massnahmen", DOCUMENTATION: "dokumentation", MONITORING: "monitoring"}
# The monitoring report is a document for the council: DOCX and PDF.
MONITORING_FORMATS = ("docx", "pdf")


def _conference(slug: str) -> Conference:
    return get_object_or_404(Conference.objects.select_related("previous"), slug=slug)


def _user_actor(request) -> Actor:
    return Actor(user=request.user if request.user.is_authenticated else None)


def _not_published(request, conference):
    return render(request, "workshops/not_published.html", {"conference": conference}, status=403)


def export_links(conference: Conference) -> list[dict]:
    """The export files of a conference, for the exports page (and links elsewhere)."""
    labels = {MEASURES: _("Adopted measures"), DOCUMENTATION: _("Full documentation")}
    return [
        {
            "kind": kind,
            "label": labels[kind],
            "files": [
                {
                    "fmt": fmt,
                    "url": reverse("workshops:export_file", args=[conference.slug, kind, fmt]),
                }
                for fmt in FORMATS
            ],
        }
        for kind in KINDS
    ] + [
        {
            "kind": MONITORING,
            "label": _("Monitoring report"),
            "files": [
                {
                    "fmt": fmt,
                    "url": reverse("workshops:export_monitoring", args=[conference.slug, fmt]),
                }
                for fmt in MONITORING_FORMATS
            ],
        }
    ]


@never_cache
@require_http_methods(["GET", "POST"])
def exports_page(request, slug):
    """The exports of a conference; moderators also publish the results here."""
    conference = _conference(slug)
    actor = _user_actor(request)
    moderator = rules.is_moderator(actor, conference)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        published = request.POST.get("published") == "1"
        try:
            measure_services.publish_results(
                actor=actor, conference=conference, published=published
            )
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _published_message(conference, published))
        return HttpResponseRedirect(reverse("workshops:exports", args=[conference.slug]))
    if not rules.can_view_results(actor, conference):
        return _not_published(request, conference)
    return render(
        request,
        "workshops/exports.html",
        {
            "conference": conference,
            "exports": export_links(conference),
            # the one file the city hands to the council, first and foremost
            "council_files": [
                {
                    "fmt": fmt,
                    "url": reverse(
                        "workshops:export_file", args=[conference.slug, DOCUMENTATION, fmt]
                    ),
                }
                for fmt in ("docx", "pdf")
            ],
            "is_moderator": moderator,
            # adopted measures the council's documents would show without German
            "without_german": measures_without_german(conference) if moderator else [],
            # the way back to the consoles this page is reached from
            "consoles": list(conference.forums.order_by("position", "id")) if moderator else [],
            # the forums whose voting cards the print kit can add
            "cards_forums": [f.title for f in conference.forums.filter(requires_cards=True)]
            if moderator
            else [],
        },
    )


def _published_message(conference: Conference, published: bool) -> str:
    """What publishing did, in words (not "Saved.")."""
    if not published:
        return _(
            "Publication withdrawn: only the conference's moderators can open the exports now."
        )
    count = Item.objects.filter(
        forum__conference=conference,
        kind=Item.Kind.MEASURE,
        adopted=True,
        status=Item.Status.VISIBLE,
    ).count()
    return ngettext(
        "Results published: everyone with the link can now open the exports "
        "(%(n)d adopted measure).",
        "Results published: everyone with the link can now open the exports "
        "(%(n)d adopted measures).",
        count,
    ) % {"n": count}


@never_cache
@require_GET
def export_file(request, slug, kind, fmt):
    conference = _conference(slug)
    if kind == MONITORING:
        known = fmt in MONITORING_FORMATS
    else:
        known = kind in KINDS and fmt in FORMATS
    if not known:
        raise Http404
    if not rules.can_view_results(_user_actor(request), conference):
        return _not_published(request, conference)
    if kind == MONITORING:
        report = monitoring_report(conference)
    else:
        report = conference_report(conference, kind)
    response = HttpResponse(render_export(report, fmt), content_type=FORMATS[fmt])
    disposition = "inline" if fmt in ("pdf", "json") else "attachment"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{conference.slug}-{FILE_NAMES[kind]}.{fmt}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def measures_status(request, slug):
    """The public status of the adopted measures, like an accountability page: on top the
    progress per action field (how many are done or under way, the mean progress) and
    the counts per status, action field and guiding goal (all measures, whatever the
    filter); then the measures, filtered by action field, status, lead and a text search
    (a GET form: works without JavaScript, and a filtered view can be bookmarked;
    static/js/status.js applies it at once in the page), each with its anchor, how the
    plenary adopted it, who leads it, what it answers (need → goal → measure), its
    indicators drawn against their targets and the dated steps of its follow-up; and the
    previous conference's measures this one evaluated, with the result. A fixed number
    of queries, however many measures."""
    conference = _conference(slug)
    fields = list(conference.fields.order_by("position", "id"))
    field_ids = {str(f.pk): f.pk for f in fields}
    chosen_field = field_ids.get(request.GET.get("field", ""))
    chosen_status = request.GET.get("status", "")
    if chosen_status not in Item.Implementation.values:
        chosen_status = ""
    every = monitoring.adopted_measures(conference, chains=True)
    leads = sorted({name for m in every if (name := monitoring.lead_name(m))}, key=str.casefold)
    chosen_lead = request.GET.get("lead", "")
    if chosen_lead not in leads:
        chosen_lead = ""
    query = request.GET.get("q", "")[:200].strip()
    rolled = monitoring.rollup(conference, every)
    words = monitoring.search_words(query)
    measures = [
        m
        for m in every
        if monitoring.matches(
            m, field_id=chosen_field, status=chosen_status, lead=chosen_lead, words=words
        )
    ]
    monitoring.add_status_details(conference, measures)
    total = len(every)
    count_filtered = ngettext(
        "%(shown)s of %(total)s adopted measure shown",
        "%(shown)s of %(total)s adopted measures shown",
        total,
    ) % {"shown": "{shown}", "total": total}
    count_all = ngettext("%(n)s adopted measure", "%(n)s adopted measures", total) % {"n": total}
    filtered = chosen_field is not None or bool(chosen_status or chosen_lead or words)
    return render(
        request,
        "workshops/measures_status.html",
        {
            "conference": conference,
            "fields": fields,
            "statuses": Item.Implementation.choices,
            "leads": leads,
            "chosen_field": chosen_field,
            "chosen_status": chosen_status,
            "chosen_lead": chosen_lead,
            "query": query,
            "measures": measures,
            "total": total,
            # the count sentences, the filtered one with "{shown}" for the page's script
            "count_all": count_all,
            "count_filtered": count_filtered,
            "count_text": count_filtered.replace("{shown}", str(len(measures)))
            if filtered
            else count_all,
            "rollup": rolled,
            "rollup_total": monitoring.totals(rolled),
            "evaluated": monitoring.evaluated_here(conference),
            "filtered": filtered,
            "is_moderator": rules.is_moderator(_user_actor(request), conference),
        },
    )


MANAGE_ACTIONS = {
    "status": lambda actor, post: measure_services.set_implementation_status(
        actor=actor, item=post.get("item"), status=post.get("status"), progress=post.get("progress")
    ),
    "details": lambda actor, post: measure_services.set_measure_details(
        actor=actor, item=post.get("item"), **{name: post.get(name, "") for name in DETAIL_FIELDS}
    ),
    "update": lambda actor, post: measure_services.add_measure_update(
        actor=actor, item=post.get("item"), text=post.get("text", ""), date=post.get("date") or None
    ),
}


@never_cache
@require_http_methods(["GET", "POST"])
def measures_manage(request, slug):
    """The moderators' page for the measures of a conference: details of every measure,
    status, progress and dated updates of the adopted ones, and bringing in the
    previous conference's measures."""
    conference = _conference(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    actor = _user_actor(request)
    if not rules.is_moderator(actor, conference):
        return render(request, "workshops/forbidden.html", {"forum": None}, status=403)
    back = reverse("workshops:measures_manage", args=[conference.slug])
    if request.method == "POST":
        action = request.POST.get("action", "")
        item = request.POST.get("item", "")
        try:
            if action == "carry_over":
                created = _carry_over(actor, conference, request.POST)
                messages.success(request, _("%(n)d measures brought in.") % {"n": len(created)})
            elif action in MANAGE_ACTIONS:
                MANAGE_ACTIONS[action](actor, request.POST)
                messages.success(request, _("Saved."))
            else:
                messages.error(request, _("Unknown action."))
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        return HttpResponseRedirect(back + (f"#measure-{item}" if item.isdigit() else ""))
    measures = list(
        Item.objects.filter(
            forum__conference=conference, kind=Item.Kind.MEASURE, status=Item.Status.VISIBLE
        )
        .select_related("field", "forum", "origin__forum__conference")
        .prefetch_related(
            Prefetch("updates", queryset=MeasureUpdate.objects.order_by("-date", "-id"))
        )
        .order_by("field__position", "field_id", "-adopted", "id")
    )
    from workshops.exports.layout import detail_labels

    labels = detail_labels()
    for measure in measures:
        measure.detail_rows = [
            {
                "name": name,
                "label": labels[name],
                "limit": measure_services.DETAIL_LIMITS[name],
                "value": getattr(measure, name),
            }
            for name in DETAIL_FIELDS
        ]
    return render(
        request,
        "workshops/measures_manage.html",
        {
            "conference": conference,
            "measures": measures,
            "statuses": Item.Implementation.choices,
            "forums": list(conference.forums.order_by("position", "id")),
            # only conferences this person may moderate (another city's are not offered)
            "others": list(
                rules.moderated_conferences(actor)
                .exclude(pk=conference.pk)
                .order_by("-date", "title")
            ),
            "update_max": measure_services.UPDATE_TEXT_MAX,
        },
    )


def _carry_over(actor, conference, post):
    forum = conference.forums.filter(
        pk=post.get("forum") if str(post.get("forum", "")).isdigit() else None
    ).first()
    if forum is None:
        raise ServiceError(ServiceError.INVALID, _("Choose the forum that evaluates the measures."))
    previous = None
    if str(post.get("previous", "")).isdigit():
        previous = rules.moderated_conferences(actor).filter(pk=int(post["previous"])).first()
        if previous is None:  # unknown or not this person's: the same answer
            raise ServiceError(
                ServiceError.FORBIDDEN,
                _("You can only bring in measures of a conference you moderate."),
            )
    return measure_services.carry_over_measures(
        actor=actor, conference=conference, forum=forum, previous=previous
    )
