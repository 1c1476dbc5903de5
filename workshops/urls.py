from django.urls import path, re_path

from workshops import (
    conference_views,
    console,
    lead_views,
    organise_views,
    programme,
    views,
    views_info,
)

app_name = "workshops"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("healthz", views.healthz, name="healthz"),
    path("datenschutz", views_info.privacy, name="privacy"),
    path("barrierefreiheit", views_info.accessibility, name="accessibility"),
    path("f/<str:code>/leave", views_info.leave, name="leave"),
    path("j/<str:code>", views.join, name="join"),
    path("f/<str:code>/", views.phone, name="phone"),
    path("f/<str:code>/propose", views.propose, name="propose"),
    path("f/<str:code>/vote", views.vote, name="vote"),
    path("f/<str:code>/own", views.own_item, name="own_item"),
    path("f/<str:code>/translate", views.translate, name="translate"),
    path("f/<str:code>/similar", console.similar, name="similar"),
    path("f/<str:code>/card", views.take_card, name="take_card"),
    path("f/<str:code>/moderate/cards.pdf", views.print_cards, name="print_cards"),
    path("f/<str:code>/moderate/", views.moderate, name="moderate"),
    path("f/<str:code>/moderate/action", views.moderate_action, name="moderate_action"),
    path("f/<str:code>/screen/", views.screen, name="screen"),
    path("c/<slug:slug>/", programme.programme, name="programme"),
    path("c/<slug:slug>/kit.pdf", programme.kit, name="kit"),
    path("c/<slug:slug>/export/", conference_views.exports_page, name="exports"),
    re_path(
        r"^c/(?P<slug>[-\w]+)/export/(?P<kind>measures|documentation)\.(?P<fmt>xlsx|docx|pdf|csv|json)$",
        conference_views.export_file,
        name="export_file",
    ),
    re_path(
        r"^c/(?P<slug>[-\w]+)/export/monitoring\.(?P<fmt>docx|pdf)$",
        conference_views.export_file,
        {"kind": "monitoring"},
        name="export_monitoring",
    ),
    path("c/<slug:slug>/measures/", conference_views.measures_status, name="measures"),
    path(
        "c/<slug:slug>/measures/manage/", conference_views.measures_manage, name="measures_manage"
    ),
    path("c/<slug:slug>/leads/", lead_views.leads_manage, name="leads_manage"),
    path("lead/<str:token>/", lead_views.lead_page, name="lead_page"),
    # The organiser's pages (workshops/organise_views.py).
    path("organize/", organise_views.home, name="organise"),
    path("organize/new/", organise_views.new_conference, name="organise_new"),
    path("organize/import/", organise_views.import_file, name="organise_import"),
    path("organize/<slug:slug>/", organise_views.details, name="organise_details"),
    path("organize/<slug:slug>/fields/", organise_views.fields, name="organise_fields"),
    path("organize/<slug:slug>/forums/", organise_views.forums, name="organise_forums"),
    path("organize/<slug:slug>/moderators/", organise_views.moderators, name="organise_moderators"),
    path("organize/<slug:slug>/copy/", organise_views.copy, name="organise_copy"),
    path(
        "organize/<slug:slug>/conference.toml", organise_views.export_file, name="organise_export"
    ),
    path("invitation/<str:token>/", organise_views.invitation, name="invitation"),
]
