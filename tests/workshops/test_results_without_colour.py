"""Colour is never the only carrier of meaning: every result is also a sentence, the
projector's bars are decoration (hidden from screen readers), each kind of item has
its name in a heading; the style sheet turns motion off for those who ask."""

import re

import pytest
from django.test import Client

from tests.factories import make_moderator, make_participant, moderator_actor, participant_actor
from workshops.services.items import propose_item
from workshops.services.rounds import close_round, open_round
from workshops.services.votes import cast_vote

pytestmark = pytest.mark.django_db


def test_results_are_text_and_bars_only_decorate(forum):
    field = forum.fields.first()
    author = participant_actor(make_participant(forum.conference))
    items = [
        propose_item(actor=author, forum=forum, field=field.pk, kind="measure", text=f"M {n}")
        for n in range(2)
    ]
    mod = moderator_actor(make_moderator(forum.conference))
    round_ = open_round(actor=mod, forum=forum, method="support")
    cast_vote(actor=author, forum=forum, round=round_.pk, item=items[1].pk, value=1)
    close_round(actor=mod, forum=forum, round=round_.pk)
    screen = (
        Client(HTTP_ACCEPT_LANGUAGE="en")
        .get(f"/f/{forum.code}/screen/", {"key": forum.screen_key})
        .content.decode()
    )
    ranking = re.search(r'<ol class="ranking bars[^"]*">(.*?)</ol>', screen, re.S).group(1)
    entries = re.findall(r"<li data-option.*?</li>", ranking, re.S)
    assert len(entries) == 2
    for entry in entries:
        assert '<span class="bar" aria-hidden="true">' in entry
        assert re.search(
            r"<span data-tally>\s*Unterstützung: \d|<span data-tally>\s*Support: \d", entry
        ), entry
    # the kinds on the wall are named in headings, not only coloured
    for label in ("Bedarf", "Ziel", "Maßnahme"):
        assert re.search(rf"<h3 id=\"field-\d+-\w+\">{label}", screen)


def test_the_style_sheet_respects_reduced_motion():
    from tests.live import ROOT

    css = (ROOT / "static/css/mitwirken.css").read_text()
    block = re.search(r"@media \(prefers-reduced-motion: reduce\) \{(.*?)\}\s*\}", css, re.S).group(
        1
    )
    assert "animation: none" in block and "transition: none" in block
