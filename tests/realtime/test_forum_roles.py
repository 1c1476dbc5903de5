"""Roles per forum on the socket: a forum's own moderator is a moderator on that
forum's socket only; on another forum of the same conference the socket is refused
(4403) like a stranger's; the conference's organisers run every forum's socket."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model

from tests.factories import make_forum
from tests.realtime.test_consumer import close_code
from tests.realtime.test_revocation import closed_with
from workshops.models import Forum

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def scene(forum):
    other = make_forum(forum.conference, title="Fachforum 3", fields=list(forum.fields.all()))
    users = get_user_model().objects
    own, organiser = users.create_user("moderation-ff2"), users.create_user("buero")
    forum.moderators.add(own)
    forum.conference.organisers.add(organiser)
    return other, own, organiser


async def test_a_forum_moderator_runs_their_forum_s_socket_only(connect, forum):
    other, own, organiser = await scene(forum)
    _, console = await connect(forum, user=own)
    assert (await console.until("snapshot"))["me"]["role"] == "moderator"
    ack = await console.command({"type": "moderate", "action": "phase", "phase": "voting"})
    assert ack["ok"] is True, ack
    _, elsewhere = await connect(other, user=own)
    assert await close_code(elsewhere) == 4403
    _, office = await connect(other, user=organiser)
    assert (await office.until("snapshot"))["me"]["role"] == "moderator"
    ack = await office.command({"type": "moderate", "action": "phase", "phase": "discussing"})
    assert ack["ok"] is True, ack
    phases = await sync_to_async(
        lambda: dict(Forum.objects.filter(pk__in=[forum.pk, other.pk]).values_list("pk", "phase"))
    )()
    assert phases == {forum.pk: "voting", other.pk: "discussing"}
    await console.close()
    await office.close()


async def test_a_forum_moderator_switched_off_loses_the_console_at_once(connect, forum):
    _other, own, _organiser = await scene(forum)
    _, console = await connect(forum, user=own)
    await console.until("snapshot")

    def switch_off():
        own.is_active = False
        own.save()

    await sync_to_async(switch_off)()
    code, _sent = await closed_with(console)
    assert code == 4403


@pytest.mark.parametrize("how", ["remove", "clear", "reverse"])
async def test_taken_off_the_forum_closes_its_console_at_once(connect, forum, how):
    _other, own, _organiser = await scene(forum)
    _, console = await connect(forum, user=own)
    await console.until("snapshot")
    take_off = {
        "remove": lambda: forum.moderators.remove(own),
        "clear": lambda: forum.moderators.clear(),
        "reverse": lambda: own.moderated_forums.remove(forum),
    }[how]
    await sync_to_async(take_off)()
    code, _sent = await closed_with(console)
    assert code == 4403
    _, again = await connect(forum, user=own)
    assert await close_code(again) == 4403


async def test_an_organiser_taken_off_loses_every_console_but_a_forum_of_their_own(connect, forum):
    other, _own, organiser = await scene(forum)
    await sync_to_async(other.moderators.add)(organiser)
    _, here = await connect(forum, user=organiser)
    _, there = await connect(other, user=organiser)
    for client in (here, there):
        await client.until("snapshot")
    await sync_to_async(forum.conference.organisers.remove)(organiser)
    code, _sent = await closed_with(here)
    assert code == 4403
    ack = await there.command({"type": "moderate", "action": "phase", "phase": "voting"})
    assert ack["ok"] is True, ack
    await there.close()
