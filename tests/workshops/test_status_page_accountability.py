"""The status page as an accountability page: progress per action field, each measure's
history, chain (need → goal → measure), adoption vote and lead, the filters by lead and
text (GET, without JavaScript), and a fixed number of queries however many measures."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from tests.factories import make_conference, make_field, make_forum, make_moderator, moderator_actor
from tests.workshops.export_conference import ADOPTED_TEXT, build_conference
from workshops import monitoring
from workshops.models import Item, MeasureUpdate, Vote
from workshops.services import measures as measure_services
from workshops.services.items import adopt_item, propose_item, shortlist_item
from workshops.services.leads import assign_measure_lead, create_lead
from workshops.services.participants import join_conference
from workshops.services.rounds import close_round, open_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    return build_conference()


def _page(client, conference, **params):
    response = client.get(reverse("workshops:measures", args=[conference.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def _article(html, item):
    match = re.search(rf'<article[^>]* id="measure-{item.pk}".*?</article>', html, re.S)
    assert match, f"measure {item.pk} not on the page"
    return match.group(0)


def test_the_progress_per_action_field_is_on_top(client, built):
    html = _page(client, built.conference)
    progress = html.index('id="progress-heading"')
    assert progress < html.index('id="filter-heading"')
    assert (
        f'<a href="?field={built.adopted.field_id}">Bildung, Erziehung &amp; Sprache</a>: '
        "1 von 1 Maßnahme umgesetzt oder begonnen, Ø 40 %" in html
    )
    assert '<progress max="100" value="40" aria-hidden="true">' in html
    # fields without adopted measures claim no progress
    assert "Wohnen</a>:" not in html


def test_a_measure_shows_its_chain_its_adoption_in_figures_and_its_lead(client, built):
    article = _article(_page(client, built.conference), built.adopted)
    # its own anchor and a link to it
    assert f'href="/c/{built.conference.slug}/measures/#measure-{built.adopted.pk}"' in article
    assert f'<span class="item-number">#{built.adopted.pk}</span>' in article
    # need → goal → measure, with their numbers
    need, goal = built.need, built.goal
    assert article.index(f"Bedarf</span> #{need.pk}") < article.index(f"Ziel</span> #{goal.pk}")
    assert article.index(f"Ziel</span> #{goal.pk}") < article.index(
        f"diese Maßnahme</span> #{built.adopted.pk}"
    )
    assert need.text in article and goal.text in article
    # the plenary's round: 7 yes by phone and 4 on paper, one abstention
    day = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    assert f"Verabschiedet im Plenum „Plenum“ am {day}: 11 Ja, 0 Nein, 1 Enthaltung" in article
    assert "<dt>Federführung</dt><dd>Amt für Integration</dd>" in article


def test_a_measure_adopted_by_the_moderator_shows_the_day_without_figures(client):
    conference = make_conference()
    field = make_field(conference, "Wohnen")
    forum = make_forum(conference, fields=[field])
    plenary = make_forum(conference, fields=[field], kind="plenary", title="Plenum")
    mod = moderator_actor(make_moderator(conference))
    item = propose_item(actor=mod, forum=forum, field=field.pk, kind="measure", text="Mietberatung")
    shortlist_item(actor=mod, forum=forum, item=item.pk, shortlisted=True)
    # a round that rejected it: its figures are not what adopted it
    vote = open_round(actor=mod, forum=plenary, method="adoption", kind="measure", items=[item.pk])
    close_round(actor=mod, forum=plenary, round=vote.pk)
    adopt_item(actor=mod, forum=plenary, item=item.pk, adopted=True)
    article = _article(_page(client, conference), item)
    day = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    assert f"Vom Plenum verabschiedet am {day}." in article
    assert " Ja, " not in article


def test_the_history_lists_updates_and_status_changes_newest_first(client, built):
    measure_services.add_measure_update(
        actor=built.mod, item=built.adopted, text="Raum gefunden.", date=datetime.date(2026, 11, 22)
    )
    measure_services.set_implementation_status(actor=built.mod, item=built.adopted, status="done")
    article = _article(_page(client, built.conference), built.adopted)
    history = article[article.index('class="updates timeline"') :]
    steps = re.findall(r"<li[^>]*>(.*?)</li>", history, re.S)
    today = timezone.localdate().isoformat()
    dates = [re.search(r'datetime="([\d-]+)"', s).group(1) for s in steps]
    assert dates == [today, today, "2026-11-23", "2026-11-22"]
    # the later change of the same day first
    assert "Status jetzt „umgesetzt“ (vorher „in Umsetzung“)" in steps[0]
    assert "Fortschritt: 100 %" in steps[0]
    assert "Status jetzt „in Umsetzung“ (vorher „geplant“)" in steps[1]
    assert "Erste drei Sprachcafés laufen." in steps[2] and "Raum gefunden." in steps[3]


def test_filters_by_lead_and_text_without_javascript(client, built):
    lead = create_lead(actor=built.mod, conference=built.conference, name="Volkshochschule")
    assign_measure_lead(actor=built.mod, item=built.adopted, lead=lead.lead)
    html = _page(client, built.conference, lead="Volkshochschule")
    assert ADOPTED_TEXT in html and '<option value="Volkshochschule" selected>' in html
    assert "1 von 1 verabschiedeten Maßnahme angezeigt" in html
    # a lead nobody has is ignored: everything is shown
    html = _page(client, built.conference, lead="Amt für Integration")
    assert ADOPTED_TEXT in html and "1 verabschiedete Maßnahme" in html
    # the text search: every word, in any case, in the text, its versions, lead, partners
    for query in ("sprachcafé STADTTEIL", "öğrenme", "elternvereine", f"#{built.adopted.pk}"):
        assert ADOPTED_TEXT in _page(client, built.conference, q=query), query
    html = _page(client, built.conference, q="Sprachcafé Wohnungsbörse")
    assert ADOPTED_TEXT not in html
    assert "0 von 1 verabschiedeten Maßnahme angezeigt" in html
    assert 'value="Sprachcafé Wohnungsbörse"' in html
    assert "Keine verabschiedete Maßnahme passt zu diesem Filter." in html


def test_the_page_holds_what_its_script_filters_by(client, built):
    """static/js/status.js filters by these attributes and writes these sentences."""
    html = _page(client, built.conference)
    article = _article(html, built.adopted)
    assert f'data-field="{built.adopted.field_id}"' in article
    assert 'data-status="in_progress"' in article and 'data-lead="Amt für Integration"' in article
    search = re.search(r'data-search="([^"]*)"', article).group(1)
    assert search == monitoring.search_text(built.adopted) and search == search.lower()
    assert 'data-count-filtered="{shown} von 1 verabschiedeten Maßnahme angezeigt"' in html
    assert 'data-count-all="1 verabschiedete Maßnahme"' in html
    assert '<script type="module" src="/static/js/status.js"></script>' in html


def _scene(measures: int):
    """A conference whose plenary adopted ``measures`` measures in three action fields,
    each answering a goal that answers a need, with a lead and an update; half of them
    adopted in one adoption round, a few with changes of status. Written in bulk where
    only the reading is under test."""
    conference = make_conference()
    fields = [make_field(conference, f"Feld {n}", n) for n in range(3)]
    forum = make_forum(conference, fields=fields)
    plenary = make_forum(conference, fields=fields, kind="plenary", title="Plenum")
    mod = moderator_actor(make_moderator(conference))
    leads = [create_lead(actor=mod, conference=conference, name=f"Amt {n}").lead for n in range(3)]

    def many(kind, text):
        return Item.objects.bulk_create(
            Item(forum=forum, field=fields[n % 3], kind=kind, text=f"{text} {n}")
            for n in range(measures)
        )

    needs, goals, items = many("need", "Bedarf"), many("goal", "Ziel"), many("measure", "Maßnahme")
    Refs = Item.refs.through
    Refs.objects.bulk_create(
        [Refs(from_item=g, to_item=n) for g, n in zip(goals, needs, strict=True)]
        + [Refs(from_item=m, to_item=g) for m, g in zip(items, goals, strict=True)]
    )
    voted = items[: measures // 2]
    Item.objects.filter(pk__in=[i.pk for i in voted]).update(shortlisted=True)
    vote = open_round(
        actor=mod, forum=plenary, method="adoption", kind="measure", items=[i.pk for i in voted]
    )
    person = join_conference(conference=conference, name="")
    Vote.objects.bulk_create(
        Vote(round=vote, participant=person, option=i.pk, value=1) for i in voted
    )
    close_round(actor=mod, forum=plenary, round=vote.pk)
    # the moderator confirms what the round proposes (in bulk: only the reading is tested)
    Item.objects.filter(pk__in=[i.pk for i in items]).update(adopted=True)
    for n, lead in enumerate(leads):
        Item.objects.filter(pk__in=[i.pk for i in items[n::3]]).update(lead_org=lead)
    MeasureUpdate.objects.bulk_create(
        MeasureUpdate(item=i, date=datetime.date(2026, 11, 30), text=f"Stand {n}")
        for n, i in enumerate(items)
    )
    for item in items[:6]:
        measure_services.set_implementation_status(
            actor=mod, item=item.pk, status="in_progress", progress=30
        )
    return conference


def _queries(client, conference) -> int:
    with CaptureQueriesContext(connection) as captured:
        html = _page(client, conference)
    assert "Stand 0" in html
    return len(captured.captured_queries)


def test_the_page_reads_a_fixed_number_of_queries_however_many_measures(
    client, django_assert_max_num_queries
):
    few = _queries(client, _scene(6))
    many = _scene(150)
    assert _queries(client, many) == few
    field = many.fields.first().pk
    with django_assert_max_num_queries(few):
        html = _page(client, many, field=field, q="maßnahme")
    assert html.count("<article") == 50


def test_a_lead_is_reached_by_its_public_contact_only(client, built):
    issued = create_lead(
        actor=built.mod,
        conference=built.conference,
        name="Volkshochschule",
        contact="Frau Demir",
        email="demir@vhs.example",
        public_contact="Tel. 0621 293-0, info@vhs.example",
    )
    assign_measure_lead(actor=built.mod, item=built.adopted, lead=issued.lead)
    article = _article(_page(client, built.conference), built.adopted)
    assert "<dt>Federführung</dt><dd>Volkshochschule</dd>" in article
    assert "<dt>So erreichen Sie die Federführung</dt>" in article
    assert '<a href="mailto:info@vhs.example">info@vhs.example</a>' in article
    assert "Frau Demir" not in article and "demir@vhs.example" not in article
    # the staff empty it: nothing to reach, the name stays
    from workshops.services.leads import edit_lead

    edit_lead(actor=built.mod, lead=issued.lead, name="Volkshochschule", contact="Frau Demir")
    article = _article(_page(client, built.conference), built.adopted)
    assert "So erreichen Sie" not in article and "Volkshochschule" in article
