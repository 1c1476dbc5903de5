"""The public status page of the adopted measures, its filters, and the moderators' page
that follows them up."""

import pytest
from django.urls import reverse

from tests.factories import make_conference, make_moderator, make_participant
from tests.workshops.export_conference import (
    ADOPTED_TEXT,
    REJECTED_TEXT,
    UNVOTED_TEXT,
    build_conference,
)
from workshops.models import Item, MeasureUpdate
from workshops.services.measures import set_implementation_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    return build_conference()


def _page(client, conference, **params):
    response = client.get(reverse("workshops:measures", args=[conference.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def test_anyone_reads_the_status_without_logging_in(client, built):
    html = _page(client, built.conference)
    assert ADOPTED_TEXT in html
    assert REJECTED_TEXT not in html and UNVOTED_TEXT not in html
    assert "in Umsetzung" in html and "Fortschritt: 40 %" in html
    assert 'value="40"' in html  # the progress bar
    assert "Amt für Integration" in html and "bis Ende 2027" in html
    assert '<time datetime="2026-11-23">' in html and "Erste drei Sprachcafés laufen." in html
    assert "1 verabschiedete Maßnahme" in html
    assert '<label for="filter-field">' in html and '<label for="filter-status">' in html


def test_filters_by_action_field_and_status(client, built):
    bildung, wohnen = built.adopted.field, built.rejected.field
    assert ADOPTED_TEXT in _page(client, built.conference, field=bildung.pk)
    html = _page(client, built.conference, field=wohnen.pk)
    assert (
        ADOPTED_TEXT not in html and "Keine verabschiedete Maßnahme passt zu diesem Filter." in html
    )
    assert ADOPTED_TEXT in _page(client, built.conference, status="in_progress")
    assert ADOPTED_TEXT not in _page(client, built.conference, status="done")
    set_implementation_status(actor=built.mod, item=built.adopted, status="done")
    html = _page(client, built.conference, status="done", field=bildung.pk)
    assert ADOPTED_TEXT in html and f'<option value="{bildung.pk}" selected>' in html
    assert '<option value="done" selected>' in html
    # nonsense in the query is ignored: everything is shown
    assert ADOPTED_TEXT in _page(client, built.conference, field="x", status="<script>")


def test_an_empty_conference_says_so(client):
    conference = make_conference()
    assert "Diese Konferenz hat noch keine verabschiedeten Maßnahmen." in _page(client, conference)
    assert client.get("/c/gibt-es-nicht/measures/").status_code == 404


def test_the_follow_up_page_is_for_moderators(client, built):
    url = reverse("workshops:measures_manage", args=[built.conference.slug])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(make_moderator(make_conference()))
    assert client.get(url).status_code == 403
    assert (
        client.post(
            url, {"action": "status", "item": built.adopted.pk, "status": "done"}
        ).status_code
        == 403
    )
    built.adopted.refresh_from_db()
    assert built.adopted.implementation == "in_progress"


def test_moderators_follow_the_measures_up_without_javascript(client, built):
    url = reverse("workshops:measures_manage", args=[built.conference.slug])
    client.force_login(built.moderator)
    html = client.get(url).content.decode()
    assert ADOPTED_TEXT in html and REJECTED_TEXT in html  # details for every measure
    assert (
        f'<label for="status-{built.adopted.pk}">' in html
        and f'id="status-{built.rejected.pk}"' not in html
    )
    response = client.post(
        url, {"action": "status", "item": built.adopted.pk, "status": "done", "progress": "90"}
    )
    assert response.status_code == 302 and response["Location"].endswith(
        f"#measure-{built.adopted.pk}"
    )
    built.adopted.refresh_from_db()
    assert (built.adopted.implementation, built.adopted.progress) == ("done", 90)
    client.post(
        url,
        {
            "action": "details",
            "item": built.rejected.pk,
            "lead": "Wohnungsamt",
            "partners": "",
            "timeframe": "",
            "resources": "",
            "indicator": "",
        },
    )
    built.rejected.refresh_from_db()
    assert built.rejected.lead == "Wohnungsamt"
    client.post(
        url,
        {
            "action": "update",
            "item": built.adopted.pk,
            "date": "2026-11-24",
            "text": "Abgeschlossen.",
        },
    )
    assert MeasureUpdate.objects.filter(item=built.adopted, text="Abgeschlossen.").exists()
    response = client.post(
        url,
        {"action": "status", "item": built.adopted.pk, "status": "done", "progress": "200"},
        follow=True,
    )
    assert "Der Fortschritt ist eine ganze Zahl von 0 bis 100." in response.content.decode()
    # and the public page shows the new state
    html = _page(client, built.conference)
    assert "umgesetzt" in html and "Fortschritt: 90 %" in html and "Abgeschlossen." in html


def test_moderators_bring_in_the_previous_conferences_measures_from_the_page(client, built):
    from tests.factories import make_field, make_forum

    conference = make_conference(title="6. Integrationskonferenz")
    forum = make_forum(conference, fields=[make_field(conference, "Bildung, Erziehung & Sprache")])
    user = make_moderator(conference)
    built.conference.moderators.add(user)  # the same office runs both conferences
    client.force_login(user)
    url = reverse("workshops:measures_manage", args=[conference.slug])
    response = client.post(
        url,
        {"action": "carry_over", "previous": built.conference.pk, "forum": forum.pk},
        follow=True,
    )
    assert "1 Maßnahmen übernommen." in response.content.decode()
    copy = Item.objects.get(forum=forum)
    assert copy.origin_id == built.adopted.pk
    html = client.get(url).content.decode()
    assert (
        "Diese Maßnahme stammt aus der vorigen Konferenz" in html
        and f'id="status-{copy.pk}"' not in html
    )


def test_the_phone_does_not_ask_for_details_but_a_plain_post_with_them_is_heard(client, built):
    from workshops.identity import remember_participant

    session = client.session
    remember_participant(session, make_participant(built.conference))
    session.save()
    field = built.adopted.field_id
    html = client.get(f"/f/{built.forum.code}/").content.decode()
    # planning details are the staff's (measures page), not asked of participants
    assert 'id="propose-lead"' not in html and 'name="timeframe"' not in html
    response = client.post(
        f"/f/{built.forum.code}/propose",
        {
            "field": field,
            "kind": "measure",
            "text": "Lesepaten",
            "lead": "Stadtbibliothek",
            "timeframe": "2027",
        },
    )
    assert response.status_code == 302
    item = Item.objects.get(text="Lesepaten")
    assert (item.lead, item.timeframe) == ("Stadtbibliothek", "2027")
    response = client.post(
        f"/f/{built.forum.code}/propose",
        {"field": field, "kind": "measure", "text": "Zu lang", "partners": "P" * 301},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Zu lang" in html and Item.objects.filter(text="Zu lang").count() == 0
