"""The console's session controls as plain form POSTs (no JavaScript), and what phones
and the screen then show."""

import re

import pytest

from tests.factories import make_forum, make_moderator
from workshops.models import AuditEntry, Forum

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client, forum, moderator):
    client.force_login(moderator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def act(client, forum, **data):
    response = client.post(f"/f/{forum.code}/moderate/action", data, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_console_shows_phases_timer_announcement_online_and_links(console, forum):
    html = console.get(f"/f/{forum.code}/moderate/").content.decode()
    for label in ("Collecting", "Discussing", "Voting", "Results"):
        assert f">{label}</button>" in html
    assert (
        'data-phase-button="collecting"' in html
        and 'aria-pressed="true" data-phase-button="collecting"' in html
    )
    assert 'name="minutes"' in html and 'name="action" value="announce"' in html
    assert "data-online" in html
    assert f"/c/{forum.conference.slug}/export/measures.xlsx" in html
    assert f"/f/{forum.code}/screen/?key={forum.screen_key}" in html


def test_phase_timer_and_announcement_by_form(console, forum):
    html = act(console, forum, action="phase", phase="discussing")
    assert "Saved." in html and 'aria-pressed="true" data-phase-button="discussing"' in html
    act(console, forum, action="timer", minutes="1,5")
    forum.refresh_from_db()
    assert forum.timer_seconds == 90 and forum.timer_ends_at is not None
    act(console, forum, action="announce", text="Kaffeepause bis 15:30")
    forum.refresh_from_db()
    assert (forum.phase, forum.announcement) == ("discussing", "Kaffeepause bis 15:30")
    html = act(console, forum, action="timer", minutes="0")
    forum.refresh_from_db()
    assert forum.timer_ends_at is None


@pytest.mark.parametrize(
    "data, message",
    [
        ({"action": "phase", "phase": "lunch"}, "Choose a phase"),
        ({"action": "timer", "minutes": "600"}, "A timer runs from 10 seconds to 120 minutes."),
        ({"action": "timer", "minutes": "soon"}, "A timer runs from"),
        ({"action": "timer", "minutes": "nan"}, "A timer runs from"),
        ({"action": "timer", "minutes": "-inf"}, "A timer runs from"),
        ({"action": "announce", "text": "x" * 141}, "at most 140 characters"),
        (
            {"action": "open_round", "method": "dots", "kind": "measure"},
            "A round needs at least one shown item.",
        ),
        ({"action": "merge", "item": "999999", "into": "999998"}, "does not exist in this forum"),
    ],
)
def test_bad_console_input_is_refused_with_a_message_and_nothing_changes(
    console, forum, data, message
):
    html = act(console, forum, **data)
    assert message in html
    forum.refresh_from_db()
    assert forum.rev == 0 and forum.phase == "collecting" and forum.announcement == ""
    assert forum.timer_ends_at is None and not AuditEntry.objects.exists()


def test_messages_are_german_by_default(client, forum, moderator):
    client.force_login(moderator)
    html = client.post(
        f"/f/{forum.code}/moderate/action", {"action": "phase", "phase": "x"}, follow=True
    ).content.decode()
    assert "Wählen Sie eine Phase" in html


def test_a_moderator_of_another_conference_gets_403_and_nothing_changes(client, forum):
    client.force_login(make_moderator(make_forum().conference))
    response = client.post(
        f"/f/{forum.code}/moderate/action", {"action": "phase", "phase": "voting"}
    )
    assert response.status_code == 403
    assert Forum.objects.get(pk=forum.pk).phase == "collecting"


def test_phone_and_screen_show_phase_announcement_and_timer(client, console, forum):
    act(console, forum, action="announce", text="Bitte in die Gruppen")
    act(console, forum, action="timer", minutes="5")
    act(console, forum, action="phase", phase="discussing")
    html = console.get(f"/f/{forum.code}/").content.decode()
    assert "Bitte in die Gruppen" in html
    # the phone's status line, also without JavaScript
    assert "<strong data-task-head>Now: discussion</strong>" in html
    assert re.search(r"Time left: [45]:[0-5]\d</p>", html)  # also without JavaScript
    assert 'data-phase="discussing"' in html
    screen = client.get(f"/f/{forum.code}/screen/?key={forum.screen_key}").content.decode()
    assert "Bitte in die Gruppen" in screen and 'data-phase="discussing"' in screen
    assert re.search(r"Time left: [45]:[0-5]\d</p>", screen) or re.search(
        r"Noch: [45]:[0-5]\d</p>", screen
    )
    assert "<svg" in screen and forum.code in screen
    assert client.get(f"/f/{forum.code}/screen/?key=wrong").status_code == 403


def test_console_ranking_shows_the_stakeholder_group_breakdown(console, forum, moderator):
    from tests.factories import make_participant, moderator_actor, participant_actor
    from workshops.services.items import propose_item
    from workshops.services.rounds import close_round, open_round
    from workshops.services.votes import cast_vote

    mod = moderator_actor(moderator)
    field = forum.fields.first().pk
    lotsen = propose_item(actor=mod, forum=forum, field=field, kind="measure", text="Lotsenprojekt")
    cafe = propose_item(actor=mod, forum=forum, field=field, kind="measure", text="Elterncafé")
    round_ = open_round(actor=mod, forum=forum, method="support", kind="measure")
    for group, on in (
        ("Verwaltung", [lotsen, cafe]),
        ("Migrantenorganisation", [lotsen]),
        ("Polizei", [cafe]),
    ):
        for _n in range(3 if group != "Polizei" else 2):  # two are too few to be broken out
            voter = participant_actor(make_participant(forum.conference, group=group))
            for item in on:
                cast_vote(actor=voter, forum=forum, round=round_.pk, item=item.pk, value=1)
    close_round(actor=mod, forum=forum, round=round_.pk)
    html = console.get(f"/f/{forum.code}/moderate/").content.decode()
    ranking = html.split(f'id="round-{round_.pk}"')[1].split("</section>")[0]
    assert ranking.index("Lotsenprojekt") < ranking.index("Elterncafé")  # 6 before 5
    assert ranking.count("By group") == 2
    assert (
        '<th scope="row"><bdi>Verwaltung</bdi></th>' in ranking
        and '<th scope="row"><bdi>Migrantenorganisation</bdi></th>' in ranking
    )  # group names isolated (bidi)
    assert "Polizei" not in ranking
    assert (
        "broad support across all groups" in ranking.split("Elterncafé")[0]
    )  # the Lotsen carry both groups


def test_a_closed_rounds_places_are_shared_by_equal_results():
    from workshops.console import rank_options

    def option(support):
        return {"tally": {"support": support}}

    closed = {
        "status": "closed",
        "tally_visible": True,
        "method": "support",
        "options": [option(5), option(3), option(3), option(1)],
    }
    rank_options(closed)
    assert closed["ranked"] and [o["rank"] for o in closed["options"]] == [1, 2, 2, 4]
    still_open = {
        "status": "open",
        "tally_visible": True,
        "method": "support",
        "options": [option(5)],
    }
    rank_options(still_open)
    assert not still_open["ranked"] and "rank" not in still_open["options"][0]


def test_the_console_lists_each_item_once_as_a_merge_target_not_once_per_item(
    console, forum, moderator
):
    """Each item's merge form names its target from one list per kind on the page: a
    forum of 500 items would otherwise print 500 × 500 options (seconds per render)."""
    from tests.factories import moderator_actor
    from workshops.services.items import propose_item

    field = forum.fields.order_by("position", "id").first().pk
    items = [
        propose_item(
            actor=moderator_actor(moderator),
            forum=forum,
            field=field,
            kind="need",
            text=f"Bedarf Nummer {n}",
        )
        for n in range(40)
    ]
    html = console.get(f"/f/{forum.code}/moderate/").content.decode()
    assert html.count("<option") < 4 * len(items) + 40  # linear, not 40 × 39
    targets = re.search(r'<datalist id="merge-targets-need">(.*?)</datalist>', html, re.S)
    assert targets and targets.group(1).count("<option") == len(items)
    for item in items:
        assert f'id="merge-{item.pk}" name="into"' in html
        assert f'<option value="{item.pk}">#{item.pk} Bedarf Nummer' in targets.group(1)
    # merging by the number typed (or picked from the list) still works without JavaScript
    html = act(console, forum, action="merge", item=items[1].pk, into=str(items[0].pk))
    items[1].refresh_from_db()
    assert (items[1].status, items[1].merged_into_id) == ("merged", items[0].pk)
