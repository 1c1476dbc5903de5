"""What each audience sees of hidden, merged, edited and restored items, at every exit
that is not a socket (those are in tests/realtime/test_visibility_socket.py): the
snapshot, the phone page (ballots and results), the projector, the console, the public
status page and every export (workshops/visibility.py)."""

import csv
import io
import json

import pytest

from tests import visibility_scene as scene_
from tests.visibility_scene import ALWAYS_SHOWN, HIDDEN, MERGED, NEVER_SHOWN
from workshops.actors import Actor
from workshops.selectors import forum_snapshot
from workshops.services.measures import publish_results
from workshops.services.rounds import open_round
from workshops.services.votes import cast_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return scene_.build()


def _participant_client(client, forum):
    client.post(f"/j/{forum.code}", {"name": "Zuschauerin"})
    return client


def _xlsx_text(data: bytes) -> str:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(c.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    )


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _exports(client, conference) -> dict[str, str]:
    """Every export a person can download, as text (the formats we can read back)."""
    texts = {}
    for kind in ("measures", "documentation"):
        for fmt in ("json", "csv", "xlsx", "docx"):
            response = client.get(f"/c/{conference.slug}/export/{kind}.{fmt}")
            assert response.status_code == 200, (kind, fmt)
            data = response.content
            texts[f"{kind}.{fmt}"] = {
                "json": lambda d: d.decode(),
                "csv": lambda d: d.decode("utf-8-sig"),
                "xlsx": _xlsx_text,
                "docx": _docx_text,
            }[fmt](data)
    return texts


def _exits(client, scene) -> dict[tuple[str, str], str]:
    """(audience, exit) -> everything that exit gives that audience, as text."""
    forum = scene.forum
    participant = scene.author
    actors = {
        "participant": Actor(participant=participant),
        "screen": Actor(screen=True),
        "moderator": scene.mod,
    }
    out = {
        (audience, "snapshot"): json.dumps(forum_snapshot(forum, actor), ensure_ascii=False)
        for audience, actor in actors.items()
    }
    screen = f"/f/{forum.code}/screen/?key={forum.screen_key}"
    out[("screen", "screen page")] = client.get(screen).content.decode()
    status = f"/c/{forum.conference.slug}/measures/"
    out[("public", "status page")] = client.get(status).content.decode()
    publish_results(actor=scene.mod, conference=forum.conference)
    for name, text in _exports(client, forum.conference).items():
        out[("public", name)] = text
    _participant_client(client, forum)
    out[("participant", "phone page")] = client.get(f"/f/{forum.code}/").content.decode()
    client.logout()
    client.force_login(scene.moderator)
    out[("moderator", "console page")] = client.get(f"/f/{forum.code}/moderate/").content.decode()
    for name, text in _exports(client, forum.conference).items():
        out[("moderator", name)] = text
    return out


def test_no_exit_shows_an_audience_what_it_may_not_see(client, scene):
    exits = _exits(client, scene)
    leaks = [
        (audience, exit_, text)
        for (audience, exit_), page in exits.items()
        if audience != "moderator" or "." in exit_  # exports leave the room, whoever asks
        for text in NEVER_SHOWN
        if text in page
    ]
    assert leaks == []
    missing = [
        (audience, exit_, text)
        for (audience, exit_), page in exits.items()
        for text in ALWAYS_SHOWN
        if text not in page and exit_ not in ("status page",)
    ]  # the status page: only adopted measures
    assert missing == []
    # the moderators see what they need to restore: hidden and merged texts, live
    for exit_ in ("snapshot", "console page"):
        assert HIDDEN in exits[("moderator", exit_)] and MERGED in exits[("moderator", exit_)]
    # and the hidden item's German version, which they may still correct
    assert scene_.HIDDEN_VERSION in exits[("moderator", "console page")]


def test_a_hidden_item_in_an_open_round_keeps_its_line_without_its_text(client, scene):
    _participant_client(client, scene.forum)
    html = client.get(f"/f/{scene.forum.code}/").content.decode()
    line = html.split(f'data-option="{scene.ids["hidden"]}"', 1)[1].split("</li>", 1)[0]
    assert "Hidden by the moderators." in line or "Von der Moderation ausgeblendet." in line
    assert HIDDEN not in line and scene_.HIDDEN_VERSION not in line
    assert "<form" not in line  # nothing to vote on that one cannot read


def test_the_snapshot_names_the_rounds_items_as_the_audience_may_see_them(scene):
    labels = forum_snapshot(scene.forum, Actor(screen=True))["rounds"][-1]["labels"]
    assert labels[str(scene.ids["hidden"])] == {"text": "", "status": "hidden", "shown": False}
    assert labels[str(scene.ids["edited"])]["text"] == scene_.AFTER_EDIT
    moderator = forum_snapshot(scene.forum, scene.mod)["rounds"][-1]["labels"]
    assert moderator[str(scene.ids["hidden"])]["text"] == HIDDEN


def test_an_export_during_an_open_secret_round_has_no_tally_of_it(client):
    scene = scene_.build(play=False)
    forum = scene.forum
    secret = open_round(
        actor=scene.mod,
        forum=forum,
        method="dots",
        items=[scene.ids["shown"]],
        budget=5,
        per_item=5,
        secret=True,
    )
    from tests.factories import make_participant, participant_actor

    for _n in range(3):
        voter = participant_actor(make_participant(forum.conference, group="Verwaltung"))
        cast_vote(actor=voter, forum=forum, round=secret.pk, item=scene.ids["shown"], value=4)
    client.force_login(scene.moderator)  # even the moderators' own download
    for kind in ("measures", "documentation"):
        report = json.loads(client.get(f"/c/{forum.conference.slug}/export/{kind}.json").content)
        results = [
            r
            for field in report["fields"]
            for m in field["measures"]
            for r in m["results"]
            if r["round"] == secret.pk
        ]
        assert results, kind
        for r in results:
            assert r["revealed"] is False and r["tally"] is None and r["total"] is None
            assert not r["groups"]
        data = client.get(f"/c/{forum.conference.slug}/export/{kind}.csv").content
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        text = "\n".join(";".join(row) for row in rows)
        assert "12 points" not in text and "12 Punkte" not in text  # 3 × 4 points
        assert "not revealed yet" in text or "noch nicht aufgedeckt" in text
        xlsx = _xlsx_text(client.get(f"/c/{forum.conference.slug}/export/{kind}.xlsx").content)
        assert "12 points" not in xlsx and "12 Punkte" not in xlsx
        assert "not revealed yet" in xlsx or "noch nicht aufgedeckt" in xlsx
