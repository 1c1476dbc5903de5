"""Opening a round in plain words, and when the room sees its results: a round shows its
totals only at the end unless the moderator chooses "live", an adoption round always;
meanwhile phones and the projector see the turnout. The rule is one method
(``VotingMethod.hides_tally``); the service, the console's form and the socket's frame all
follow it."""

import pytest

from tests.factories import make_participant, moderator_actor, participant_actor
from workshops.commands import ACTIONS
from workshops.services.items import propose_item
from workshops.services.rounds import close_round, open_round
from workshops.services.votes import cast_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod(moderator):
    return moderator_actor(moderator)


@pytest.fixture
def items(forum, participant):
    field = forum.fields.order_by("position", "id").first()
    actor = participant_actor(participant)
    return [
        propose_item(actor=actor, forum=forum, field=field.pk, kind="measure", text=f"Maßnahme {n}")
        for n in range(3)
    ]


@pytest.mark.parametrize("method", ["support", "dots", "consent", "adoption"])
def test_a_round_opened_without_saying_shows_its_totals_only_at_the_end(forum, mod, items, method):
    round_ = open_round(actor=mod, forum=forum, method=method, kind="measure")
    assert round_.secret is True


@pytest.mark.parametrize("method", ["support", "dots", "consent"])
def test_a_prioritising_round_shows_its_totals_live_when_the_moderator_says_so(
    forum, mod, items, method
):
    assert open_round(actor=mod, forum=forum, method=method, secret=False).secret is False
    assert open_round(actor=mod, forum=forum, method=method, secret=True).secret is True


def test_an_adoption_round_is_always_secret_whatever_it_is_asked(forum, mod, items):
    round_ = open_round(actor=mod, forum=forum, method="adoption", kind="measure", secret=False)
    assert round_.secret is True


def test_the_socket_frame_without_secret_opens_a_round_secret_and_false_keeps_it_live(
    forum, mod, items
):
    action = ACTIONS["open_round"]
    values = action.from_frame({"method": "dots", "kind": "measure"})
    assert values["secret"] is None  # the frame left it to the rule
    assert action.apply(actor=mod, forum=forum, values=values).secret is True
    values = action.from_frame({"method": "dots", "kind": "measure", "secret": None})
    assert action.apply(actor=mod, forum=forum, values=values).secret is True
    values = action.from_frame({"method": "dots", "kind": "measure", "secret": False})
    assert action.apply(actor=mod, forum=forum, values=values).secret is False
    values = action.from_frame({"method": "adoption", "kind": "measure", "secret": False})
    assert action.apply(actor=mod, forum=forum, values=values).secret is True


def test_the_console_form_opens_by_card_and_ticks_with_the_reveal_at_the_end_by_default(
    client, forum, moderator, items
):
    client.force_login(moderator)
    html = client.get(f"/f/{forum.code}/moderate/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    # the cards, each saying what the phones will show (the path without JavaScript)
    assert 'id="round-method-dots"' in html and 'type="radio" name="method"' in html
    assert "Punkte verteilen: 3 Punkte pro Person, höchstens 2 pro Vorschlag" in html
    assert "Auf den Handys: Jede Person verteilt 3 Punkte, höchstens 2 auf einen Vorschlag." in html
    assert "Zustimmung (Daumen hoch)" in html and "Konsens / Widerstand" in html
    assert "Abstimmung im Plenum (Ja / Nein / Enthaltung)" in html
    # the items to tick, numbered as everywhere
    for item in items:
        assert f'type="checkbox" name="items" value="{item.pk}"' in html
        assert f"<strong>#{item.pk}</strong>" in html
    assert 'name="secret" value="1" id="round-secret-end" checked' in html
    assert "Stand live zeigen" in html and "Erst am Ende zeigen" in html
    # sent as the form sends it: two ticked, the default reveal
    response = client.post(
        f"/f/{forum.code}/moderate/action",
        {
            "action": "open_round",
            "method": "dots",
            "items": [items[0].pk, items[2].pk],
            "kind": "measure",
            "budget": "3",
            "per_item": "2",
            "secret": "1",
        },
    )
    assert response.status_code == 302
    round_ = forum.rounds.get()
    assert round_.secret is True and (round_.budget, round_.per_item) == (3, 2)
    assert sorted(round_.items.values_list("pk", flat=True)) == [items[0].pk, items[2].pk]
    # "live" chosen
    client.post(
        f"/f/{forum.code}/moderate/action",
        {"action": "open_round", "method": "support", "kind": "measure", "secret": "0"},
    )
    assert forum.rounds.order_by("-id").first().secret is False


def test_while_a_secret_round_runs_phone_and_screen_show_the_turnout_not_the_totals(
    client, forum, mod, items
):
    from realtime.tally import tally_frame

    round_ = open_round(actor=mod, forum=forum, method="dots", kind="measure")
    for n in range(2):
        voter = participant_actor(make_participant(forum.conference))
        cast_vote(actor=voter, forum=forum, round=round_.pk, item=items[n].pk, value=1)
    # the live frame: moderators get the totals, everyone else the turnout
    message = tally_frame(round_.pk)
    assert message["secret"] is True
    assert message["frame"]["totals"][str(items[0].pk)]["dots"] == 1
    assert message["turnout"] == {"type": "tally", "round": round_.pk, "totals": {}, "voters": 2}
    # the pages
    client.post(f"/j/{forum.code}", {"name": "", "language": "de"})
    phone = client.get(f"/f/{forum.code}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    screen = client.get(
        f"/f/{forum.code}/screen/?key={forum.screen_key}", HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    for html in (phone, screen):
        assert "Bisher abgestimmt: 2" in html
        assert "Punkte: 1" not in html and "Ergebnis nach der Runde" in html
    close_round(actor=mod, forum=forum, round=round_.pk)
    assert "turnout" not in tally_frame(round_.pk)
    phone = client.get(f"/f/{forum.code}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    screen = client.get(
        f"/f/{forum.code}/screen/?key={forum.screen_key}", HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    for html in (phone, screen):
        assert "Punkte: 1" in html
