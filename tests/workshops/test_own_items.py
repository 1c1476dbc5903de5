"""A participant edits or withdraws their own proposal while nothing holds it: the
services (every refusal changes nothing) and the plain form on the phone page."""
import re

import pytest

from tests.factories import (
    make_conference,
    make_field,
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, Forum, ForumEvent, Item
from workshops.services.forums import set_proposals_open
from workshops.services.items import (
    edit_own_item,
    hide_item,
    merge_items,
    propose_item,
    shortlist_item,
    withdraw_own_item,
)
from workshops.services.rounds import open_round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The tests read the messages in English (the pages in German by default)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def world():
    conference = make_conference()
    forum = make_forum(conference)
    ayse = make_participant(conference, display_name="Ayşe")
    ben = make_participant(conference, display_name="Ben")
    moderator = make_moderator(conference)
    return {"forum": forum, "ayse": participant_actor(ayse), "ben": participant_actor(ben),
            "mod": moderator_actor(moderator)}


def propose(world, who="ayse", kind="need", text="Sprachkurse mit Kinderbetreuung", refs=()):
    forum = world["forum"]
    field = forum.fields.order_by("position", "id").first()
    return propose_item(actor=world[who], forum=forum, field=field.pk, kind=kind, text=text, refs=refs)


def state(forum):
    forum.refresh_from_db()
    return (
        forum.rev,
        list(Item.objects.filter(forum=forum).order_by("pk").values_list("id", "text", "status")),
        list(Item.refs.through.objects.values_list("from_item_id", "to_item_id").order_by("id")),
        ForumEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def refused(world, code, fn, **kw):
    before = state(world["forum"])
    with pytest.raises(ServiceError) as info:
        fn(forum=world["forum"], **kw)
    assert info.value.code == code
    assert state(world["forum"]) == before
    return str(info.value.message)


def last_events(forum, n):
    return list(ForumEvent.objects.filter(forum=forum).order_by("-rev").values_list("name", "data")[:n])[::-1]


def test_the_author_edits_the_text_and_everyone_gets_item_updated(world):
    item = propose(world)
    edit_own_item(actor=world["ayse"], forum=world["forum"], item=item.pk, text="  Sprachkurse am Abend ")
    item.refresh_from_db()
    assert item.text == "Sprachkurse am Abend"
    [(name, data)] = last_events(world["forum"], 1)
    assert name == "item.updated" and data["text"] == "Sprachkurse am Abend" and data["author"] == "Ayşe"


def test_the_author_withdraws_and_the_links_to_it_go_with_it(world):
    need = propose(world)
    goal = propose(world, who="ben", kind="goal", text="Jedes Kind spricht Deutsch", refs=[need.pk])
    assert withdraw_own_item(actor=world["ayse"], forum=world["forum"], item=need.pk) == need.pk
    assert not Item.objects.filter(pk=need.pk).exists()
    assert list(goal.refs.all()) == []
    (removed, removed_data), (updated, updated_data) = last_events(world["forum"], 2)
    assert (removed, removed_data) == ("item.removed", {"id": need.pk})
    assert updated == "item.updated" and updated_data["id"] == goal.pk and updated_data["refs"] == []


def test_someone_else_cannot_edit_or_withdraw_it(world):
    item = propose(world)
    moderated = propose(world, who="mod", text="Vom Moderator notiert")
    for actor, target in (("ben", item), ("mod", item), ("ayse", moderated)):
        message = refused(world, "forbidden", edit_own_item, actor=world[actor], item=target.pk, text="Neu")
        assert message == "Only the person who proposed this can change it."
        refused(world, "forbidden", withdraw_own_item, actor=world[actor], item=target.pk)


def test_not_once_proposals_are_closed(world):
    item = propose(world)
    set_proposals_open(actor=world["mod"], forum=world["forum"], open=False)
    message = refused(world, "closed", edit_own_item, actor=world["ayse"], item=item.pk, text="Neu")
    assert message == "Proposals are closed, so proposals can no longer be changed."
    refused(world, "closed", withdraw_own_item, actor=world["ayse"], item=item.pk)


def test_not_once_hidden(world):
    item = propose(world)
    hide_item(actor=world["mod"], forum=world["forum"], item=item.pk)
    message = refused(world, "invalid", edit_own_item, actor=world["ayse"], item=item.pk, text="Neu")
    assert "not shown" in message
    refused(world, "invalid", withdraw_own_item, actor=world["ayse"], item=item.pk)


@pytest.mark.parametrize("hold", ["open round", "closed round", "shortlisted", "merged into it"])
def test_not_while_something_holds_it(world, hold):
    forum = world["forum"]
    item = propose(world, kind="measure")
    if hold.endswith("round"):
        round_ = open_round(actor=world["mod"], forum=forum, method="support", items=[item.pk])
        if hold == "closed round":
            from workshops.services.rounds import close_round
            close_round(actor=world["mod"], forum=forum, round=round_.pk)
    elif hold == "shortlisted":
        shortlist_item(actor=world["mod"], forum=forum, item=item.pk, shortlisted=True)
    else:
        duplicate = propose(world, who="ben", kind="measure", text="Sprachkurse mit Kita")
        merge_items(actor=world["mod"], forum=forum, item=duplicate.pk, into=item.pk)
    message = refused(world, "invalid", edit_own_item, actor=world["ayse"], item=item.pk, text="Neu")
    assert message == "This proposal is already part of a vote or of the results, so it stays as it is."
    refused(world, "invalid", withdraw_own_item, actor=world["ayse"], item=item.pk)


def test_bad_text_and_unknown_items_change_nothing(world):
    item = propose(world)
    assert refused(world, "invalid", edit_own_item, actor=world["ayse"], item=item.pk, text="   ") == \
        "Please write some text."
    refused(world, "invalid", edit_own_item, actor=world["ayse"], item=item.pk, text="x" * 501)
    refused(world, "not_found", withdraw_own_item, actor=world["ayse"], item=item.pk + 99)
    other_forum = make_forum(world["forum"].conference, fields=[make_field(world["forum"].conference)])
    with pytest.raises(ServiceError) as info:  # an item of another forum
        edit_own_item(actor=world["ayse"], forum=other_forum, item=item.pk, text="Neu")
    assert info.value.code == "not_found"
    item.refresh_from_db()
    assert item.text == "Sprachkurse mit Kinderbetreuung"


def test_an_item_in_a_plenary_pool_is_withdrawn_there_too(world):
    forum = world["forum"]
    plenary = Forum.objects.create(conference=forum.conference, title="Plenum", kind=Forum.Kind.PLENARY)
    need = propose(world)
    goal = propose(world, who="ben", kind="goal", text="Ziel", refs=[need.pk])
    measure = propose(world, who="mod", kind="measure", text="Maßnahme", refs=[goal.pk])
    shortlist_item(actor=world["mod"], forum=forum, item=measure.pk, shortlisted=True)
    withdraw_own_item(actor=world["ayse"], forum=forum, item=need.pk)
    names = [name for name, _data in last_events(plenary, 2)]
    assert ("item.removed", {"id": need.pk}) in last_events(plenary, 2) and "item.updated" in names


# --- the phone page's plain forms ------------------------------------------------------


@pytest.fixture
def phone(client, world):
    from tests.realtime.conftest import participant_cookie

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    name, value = participant_cookie(world["ayse"].participant).split("=", 1)
    client.cookies[name] = value
    return client


def test_the_phone_marks_ones_own_proposal_and_offers_to_change_it(phone, world):
    mine = propose(world, text="Meiner")
    theirs = propose(world, who="ben", text="Seiner")
    html = phone.get(f"/f/{world['forum'].code}/").content.decode()
    own = re.search(rf'<li class="item [^"]*" id="item-{mine.pk}".*?</li>', html, re.DOTALL).group(0)
    other = re.search(rf'<li class="item [^"]*" id="item-{theirs.pk}".*?</li>', html, re.DOTALL).group(0)
    assert "is-own" in own and "Your contribution" in own and 'name="action" value="withdraw"' in own
    assert "is-own" not in other and "Your contribution" not in other and "withdraw" not in other


def test_the_plain_form_edits_and_withdraws(phone, world):
    code = world["forum"].code
    item = propose(world)
    response = phone.post(f"/f/{code}/own", {"action": "edit", "item": item.pk, "text": "Abendkurse"})
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    item.refresh_from_db()
    assert item.text == "Abendkurse"
    assert "Your proposal is changed." in phone.get(f"/f/{code}/").content.decode()
    response = phone.post(f"/f/{code}/own", {"action": "withdraw", "item": item.pk})
    assert response.status_code == 302
    assert not Item.objects.filter(pk=item.pk).exists()
    assert "Your proposal is withdrawn." in phone.get(f"/f/{code}/").content.decode()


def test_a_refused_edit_says_why_keeps_the_typed_text_and_changes_nothing(phone, world):
    code = world["forum"].code
    item = propose(world)
    theirs = propose(world, who="ben", text="Seiner")
    before = state(world["forum"])
    response = phone.post(f"/f/{code}/own", {"action": "edit", "item": theirs.pk, "text": "Übernommen"})
    assert response.status_code == 400
    assert "Only the person who proposed this can change it." in response.content.decode()
    response = phone.post(f"/f/{code}/own", {"action": "edit", "item": item.pk, "text": "Lang" * 130})
    assert response.status_code == 400 and state(world["forum"]) == before
    html = response.content.decode()
    assert "The text is too long" in html and f">{'Lang' * 130}</textarea>" in html  # kept to fix it
    set_proposals_open(actor=world["mod"], forum=world["forum"], open=False)
    before = state(world["forum"])
    response = phone.post(f"/f/{code}/own", {"action": "edit", "item": item.pk, "text": "Mein neuer Text"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Proposals are closed, so proposals can no longer be changed." in html
    assert state(world["forum"]) == before
    assert phone.post(f"/f/{code}/own", {"action": "explode", "item": item.pk}).status_code == 400
    assert state(world["forum"]) == before
