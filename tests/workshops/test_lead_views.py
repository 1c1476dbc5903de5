"""The lead's page behind its personal link, and the staff's page that issues the links:
what a lead and the staff see, and that bad input changes nothing."""

import re

import pytest
from django.test import Client

from tests.workshops.lead_scene import build_scene
from workshops.models import AuditEntry, IndicatorValue, Item, Lead, MeasureUpdate
from workshops.services.indicators import define_indicator
from workshops.services.leads import issue_lead_link, revoke_lead_link, token_hash

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return build_scene()


def _url(token):
    return f"/lead/{token}/"


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def _state():
    return (
        list(Item.objects.order_by("pk").values("pk", "implementation", "progress", "lead_org")),
        MeasureUpdate.objects.count(),
        IndicatorValue.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_link_opens_exactly_the_leads_measures(scene, client):
    response = client.get(_url(scene.jugendamt_token))
    assert response.status_code == 200
    page = _text(response)
    assert "Jugendamt" in page
    assert scene.schule.text in page and scene.kita.text in page
    assert scene.kurse.text not in page and scene.unadopted.text not in page
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )
    # the link is never sent to another site (Referrer-Policy: same-origin, every page)
    assert response["Referrer-Policy"] == "same-origin"
    assert 'name="robots" content="noindex"' in page


def test_the_lead_page_is_german_by_default(scene, client):
    page = _text(client.get(_url(scene.jugendamt_token)))
    assert "Maßnahmen in Federführung von Jugendamt" in page and "Stand speichern" in page


def test_a_lead_sets_status_and_adds_an_update_and_a_value(scene, client):
    url = _url(scene.jugendamt_token)
    response = client.post(
        url,
        {"action": "status", "item": scene.schule.pk, "status": "in_progress", "progress": "35"},
    )
    assert response.status_code == 302 and response["Location"].endswith(
        f"#measure-{scene.schule.pk}"
    )
    response = client.post(
        url,
        {"action": "update", "item": scene.schule.pk, "date": "", "text": "Zwei Stellen besetzt."},
        follow=True,
    )
    assert "Zwei Stellen besetzt." in _text(response)
    indicator = define_indicator(
        actor=scene.staff,
        item=scene.schule,
        title="Schulen mit Sozialarbeit",
        baseline=3,
        target=12,
    )
    response = client.post(
        url,
        {
            "action": "value",
            "indicator": indicator.pk,
            "measure": scene.schule.pk,
            "date": "2026-12-01",
            "value": "5,5",
        },
        follow=True,
    )
    assert "5.50" in _text(response) or "5,50" in _text(response)
    scene.schule.refresh_from_db()
    assert (scene.schule.implementation, scene.schule.progress) == ("in_progress", 35)
    assert MeasureUpdate.objects.get().lead == scene.jugendamt
    assert IndicatorValue.objects.get().lead == scene.jugendamt


def test_a_tampered_item_id_is_refused_and_changes_nothing(scene, client):
    before = _state()
    response = client.post(
        _url(scene.jugendamt_token),
        {"action": "status", "item": scene.kurse.pk, "status": "done", "progress": "100"},
    )
    assert response.status_code == 400
    assert "Dies ist keine der Maßnahmen, die Sie federführend betreuen." in _text(response)
    response = client.post(
        _url(scene.jugendamt_token),
        {"action": "update", "item": scene.kurse.pk, "text": "Erledigt."},
    )
    assert response.status_code == 400
    assert _state() == before


def test_a_value_that_is_not_a_number_or_has_no_date_is_refused(scene, client):
    indicator = define_indicator(
        actor=scene.staff, item=scene.kita, title="Beratungen", baseline=0, target=100
    )
    before = _state()
    url = _url(scene.jugendamt_token)
    common = {"action": "value", "indicator": indicator.pk, "measure": scene.kita.pk}
    response = client.post(url, {**common, "date": "2026-12-01", "value": "viele"})
    assert response.status_code == 400
    page = _text(response)
    assert "Das ist keine Zahl: viele" in page
    assert 'value="viele"' in page  # what was typed stays in the form
    response = client.post(url, {**common, "date": "", "value": "12"})
    assert response.status_code == 400 and "Bitte geben Sie das Datum an." in _text(response)
    assert _state() == before


def test_revoked_replaced_and_unknown_links_say_so(scene, client):
    revoke_lead_link(actor=scene.staff, lead=scene.vhs)
    response = client.get(_url(scene.vhs_token))
    assert response.status_code == 403 and "zurückgezogen" in _text(response)
    assert scene.kurse.text not in _text(response)
    old = scene.jugendamt_token
    issue_lead_link(actor=scene.staff, lead=scene.jugendamt)
    response = client.get(_url(old))
    assert response.status_code == 404 and "abgelaufen" in _text(response)
    response = client.get(_url("ausgedacht"))
    assert response.status_code == 404 and "nicht gültig" in _text(response)
    before = _state()
    response = client.post(
        _url(old), {"action": "status", "item": scene.schule.pk, "status": "done"}
    )
    assert response.status_code == 404 and _state() == before


def test_guessing_links_is_throttled_like_a_login(scene, settings):
    settings.LEAD_LINK_FAILURES_PER_SESSION = 5
    settings.LEAD_LINK_FAILURES_PER_ADDRESS = 8
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(8):
        assert guesser.get(_url(f"geraten-{n}")).status_code == 404
    response = guesser.get(_url(scene.jugendamt_token))
    assert response.status_code == 429  # unchecked, even the right link
    assert "Viertelstunde" in _text(response) and scene.schule.text not in _text(response)
    # a lead at another address is not affected
    assert Client(REMOTE_ADDR="198.51.100.2").get(_url(scene.jugendamt_token)).status_code == 200


def test_a_browser_session_meets_its_own_limit_before_the_address(scene, settings):
    settings.LEAD_LINK_FAILURES_PER_SESSION = 3
    settings.LEAD_LINK_FAILURES_PER_ADDRESS = 100
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    guesser.post("/i18n/setlang/", {"language": "de", "next": "/"})  # a session of its own
    guesser.session.save()
    session = guesser.session
    session["seen"] = True
    session.save()
    guesser.cookies["sessionid"] = session.session_key
    for n in range(3):
        assert guesser.get(_url(f"geraten-{n}")).status_code == 404
    assert guesser.get(_url(scene.jugendamt_token)).status_code == 429
    neighbour = Client(REMOTE_ADDR="203.0.113.9")  # same hall, no session: still fine
    assert neighbour.get(_url(scene.jugendamt_token)).status_code == 200


def test_changes_through_one_link_are_limited(scene, client, settings):
    settings.LEAD_CHANGES_PER_MINUTE = 2
    url = _url(scene.jugendamt_token)
    for n in range(2):
        post = {"action": "update", "item": scene.kita.pk, "text": f"Stand {n}"}
        assert client.post(url, post).status_code == 302
    response = client.post(url, {"action": "update", "item": scene.kita.pk, "text": "Noch einer"})
    assert response.status_code == 429 and MeasureUpdate.objects.count() == 2


# --- the staff's page -----------------------------------------------------------------------


def _staff_client(scene):
    client = Client()
    client.force_login(scene.staff.user)
    return client


def test_the_staff_see_a_new_link_once(scene):
    client = _staff_client(scene)
    url = f"/c/{scene.conference.slug}/leads/"
    response = client.post(
        url, {"action": "create", "name": "Sozialamt", "email": "sozialamt@musterstadt.example"}
    )
    assert response.status_code == 200
    link = re.search(r'value="(http://testserver/lead/([^/"]+)/)"', response.content.decode())
    assert link, "the new link is shown"
    lead = Lead.objects.get(name="Sozialamt")
    assert lead.token_hash == token_hash(link.group(2))
    page = _text(client.get(url))
    assert "Sozialamt" in page and link.group(2) not in page  # shown only this once
    assert Client().get(_url(link.group(2))).status_code == 200
    response = client.post(url, {"action": "issue", "lead": lead.pk})
    fresh = re.search(r'/lead/([^/"]+)/', response.content.decode()).group(1)
    assert fresh != link.group(2)
    assert Client().get(_url(link.group(2))).status_code == 404


def test_the_staff_assign_leads_define_indicators_and_set_the_date(scene):
    client = _staff_client(scene)
    url = f"/c/{scene.conference.slug}/leads/"
    client.post(url, {"action": "assign", "item": scene.kurse.pk, "lead": scene.jugendamt.pk})
    assert Item.objects.get(pk=scene.kurse.pk).lead_org == scene.jugendamt
    response = client.post(
        url,
        {
            "action": "indicator",
            "item": scene.kurse.pk,
            "title": "Kurse",
            "unit": "",
            "baseline": "4",
            "baseline_date": "2027-01-01",
            "target": "10",
            "target_date": "2026-12-31",
        },
        follow=True,
    )
    assert "Das Zieldatum darf nicht vor dem Datum des Ausgangswerts liegen." in _text(response)
    assert not scene.kurse.indicators.exists()
    client.post(url, {"action": "report_due", "due": "2099-03-31"})
    scene.conference.refresh_from_db()
    assert scene.conference.report_due.isoformat() == "2099-03-31"


def test_the_staff_page_is_for_staff_only(scene, django_user_model):
    url = f"/c/{scene.conference.slug}/leads/"
    assert Client().get(url).status_code == 302  # to the login
    other = Client()
    other.force_login(django_user_model.objects.create_user(username="fremd"))
    assert other.get(url).status_code == 403
    before = _state(), Lead.objects.count()
    other.post(url, {"action": "create", "name": "Fremdes Amt"})
    assert (_state(), Lead.objects.count()) == before
