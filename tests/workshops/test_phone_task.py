"""The phone's status line as the server renders it (no JavaScript needed): per phase,
with proposals closed, and while a round is open for the person; and the points-left
sentence in every plural form static/js/task.js is given."""

import pytest
from django.db.models import F
from django.test import Client
from django.utils import translation

from tests.factories import make_moderator, moderator_actor
from workshops.models import Forum
from workshops.phone_task import live_tasks, points_left
from workshops.services import forums as forum_services
from workshops.services.items import propose_item
from workshops.services.rounds import open_round

pytestmark = pytest.mark.django_db


def task_line(html: str) -> str:
    start = html.index('<p class="task-line" data-task>')
    return html[start : html.index("</p>", start)]


@pytest.fixture
def phone(forum):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.post(f"/j/{forum.code}", {"name": "Ayşe"})
    return lambda: client.get(f"/f/{forum.code}/").content.decode()


@pytest.fixture
def mod(forum):
    return moderator_actor(make_moderator(forum.conference))


def test_the_line_follows_the_phase_and_whether_proposals_are_open(phone, forum, mod):
    line = task_line(phone())
    assert ">Jetzt: Vorschläge sammeln</strong>" in line and "Schreiben Sie, was fehlt." in line
    forum_services.set_proposals_open(actor=mod, forum=forum, open=False)
    assert "Vorschläge sind gerade geschlossen." in task_line(phone())
    for phase, text in (("discussing", "Jetzt: Diskussion"), ("results", "Jetzt: Ergebnis")):
        forum_services.set_phase(actor=mod, forum=Forum.objects.get(pk=forum.pk), phase=phase)
        assert f">{text}</strong>" in task_line(phone())
    # the step bar's last step: the forum's result went to the plenary (its rev moves
    # with it, as with every change the phones are to see)
    Forum.objects.filter(pk=forum.pk).update(handed_to_plenary=True, rev=F("rev") + 1)
    assert "Die hier gewählten Maßnahmen gehen ins Plenum." in task_line(phone())


def test_an_open_round_says_what_to_do_and_numbers_options_as_the_wall(phone, forum, mod):
    field = forum.fields.first().pk
    items = [
        propose_item(actor=mod, forum=forum, field=field, kind="need", text=t).pk
        for t in ("Sprachkurse", "Kita-Plätze")
    ]
    open_round(actor=mod, forum=forum, method="dots", items=items, budget=3, per_item=2)
    html = phone()
    line = task_line(html)
    assert ">Jetzt: Abstimmen</strong>" in line and "Sie haben noch 3 Punkte." in line
    for item in items:
        assert html.count(f'<span class="item-number">#{item}</span>') == 2  # wall, ballot


@pytest.mark.parametrize("language", ["de", "ru", "ar", "tr", "uk"])
def test_the_script_has_the_sentence_of_every_count(language):
    with translation.override(language):
        points = live_tasks()["points"]
        for n in (0, 1, 2, 3, 5, 11, 21, 100):
            form = points["forms"][int(points["of"][n])]
            assert form.replace("%(n)s", str(n)) == points_left(n)
