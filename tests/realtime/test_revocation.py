"""Roles and keys taken away while the conference runs: a moderator removed from the
conference, a projector whose screen key was changed. Their open sockets are closed
with 4403 at once and get no frame after the change."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient

from tests.factories import make_moderator, moderator_actor, participant_actor
from tests.realtime.test_consumer import close_code
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, Forum
from workshops.services.access import new_screen_key, remove_moderator
from workshops.services.items import hide_item, propose_item

pytestmark = pytest.mark.django_db(transaction=True)


async def closed_with(client) -> tuple[int, list[str]]:
    """Read the socket until it is closed: the close code, and what it was sent before."""
    sent = []
    while True:
        output = await client.ws.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            return output.get("code"), sent
        sent.append(output.get("text", ""))


@sync_to_async
def staff_user():
    return get_user_model().objects.create_superuser(
        "stadt", "stadt@example.org", "pw-für-tests-123"
    )


@sync_to_async
def propose_and_hide(forum, participant, moderator, text):
    field = forum.fields.order_by("position", "id").first().pk
    item = propose_item(
        actor=participant_actor(participant), forum=forum, field=field, kind="need", text=text
    )
    hide_item(actor=moderator_actor(moderator), forum=forum, item=item.pk)
    return item


async def test_a_removed_moderator_s_console_is_closed_at_once(
    connect, forum, participant, moderator
):
    other = await sync_to_async(make_moderator)(forum.conference)
    _, console = await connect(forum, user=moderator)
    _, colleague = await connect(forum, user=other)
    _, phone = await connect(forum, participant=participant)
    for client in (console, colleague, phone):
        await client.until("snapshot")
    await propose_and_hide(forum, participant, other, "Erster verborgener Text")
    hidden = await console.until("event", name="item.hidden")
    assert hidden["data"]["text"] == "Erster verborgener Text"  # moderators see hidden texts
    for client in (colleague, phone):
        await client.until("event", name="item.hidden")

    city = await staff_user()
    await sync_to_async(remove_moderator)(
        actor=moderator_actor(city), conference=forum.conference, user=moderator
    )

    code, _before = await closed_with(console)
    assert code == 4403
    await propose_and_hide(forum, participant, other, "Zweiter verborgener Text")
    assert (await colleague.until("event", name="item.hidden"))["data"][
        "text"
    ] == "Zweiter verborgener Text"
    assert (await phone.until("event", name="item.hidden"))["data"]["text"] == ""
    # and connecting again, the removed moderator is a stranger
    _, again = await connect(forum, user=moderator)
    assert await close_code(again) == 4403
    assert (
        await sync_to_async(
            AuditEntry.objects.filter(action="conference.moderator.removed").count
        )()
        == 1
    )
    for client in (colleague, phone):
        await client.close()


async def test_removing_a_moderator_in_the_admin_closes_their_console(connect, forum, moderator):
    _, console = await connect(forum, user=moderator)
    await console.until("snapshot")
    city = await staff_user()

    @sync_to_async
    def remove_in_the_admin():
        admin = HttpClient()
        admin.force_login(city)
        conference = forum.conference
        data = {
            "slug": conference.slug,
            "title": conference.title,
            "stakeholder_groups": "[]",
            "languages": [],
            "moderators": [],
            "fields-TOTAL_FORMS": "0",
            "fields-INITIAL_FORMS": "0",
        }
        return admin.post(f"/admin/workshops/conference/{conference.pk}/change/", data)

    response = await remove_in_the_admin()
    assert response.status_code == 302
    assert (await closed_with(console))[0] == 4403


async def test_only_the_city_s_staff_removes_moderators(forum, moderator):
    other = await sync_to_async(make_moderator)(forum.conference)
    with pytest.raises(ServiceError) as info:
        await sync_to_async(remove_moderator)(
            actor=moderator_actor(other), conference=forum.conference, user=moderator
        )
    assert info.value.code == "forbidden"


async def test_a_new_screen_key_closes_the_old_screen(connect, forum, moderator, participant):
    old = forum.screen_key
    _, screen = await connect(forum, key=old)
    _, phone = await connect(forum, participant=participant)
    await screen.until("snapshot")
    await phone.until("snapshot")

    changed = await sync_to_async(new_screen_key)(actor=moderator_actor(moderator), forum=forum)

    assert changed.screen_key != old and len(changed.screen_key) >= 24
    assert (await closed_with(screen))[0] == 4403
    await phone.nothing()  # the phones stay
    _, stale = await connect(forum, key=old)
    assert await close_code(stale) == 4403
    _, fresh = await connect(forum, key=changed.screen_key)
    assert (await fresh.until("snapshot"))["me"]["role"] == "screen"
    with pytest.raises(ServiceError):
        await sync_to_async(new_screen_key)(actor=participant_actor(participant), forum=forum)
    for client in (phone, fresh):
        await client.close()


def test_the_console_and_the_admin_change_the_screen_key(client, admin_client, forum, moderator):
    old = forum.screen_key
    client.force_login(moderator)
    html = client.get(f"/f/{forum.code}/moderate/").content.decode()
    assert 'name="action" value="screen_key"' in html
    response = client.post(f"/f/{forum.code}/moderate/action", {"action": "screen_key"})
    assert response.status_code == 302
    key = Forum.objects.get(pk=forum.pk).screen_key
    assert key != old
    assert client.get(f"/f/{forum.code}/screen/?key={old}").status_code == 403
    assert client.get(f"/f/{forum.code}/screen/?key={key}").status_code == 200
    admin_client.post(
        "/admin/workshops/forum/", {"action": "new_screen_key", "_selected_action": [forum.pk]}
    )
    assert Forum.objects.get(pk=forum.pk).screen_key not in (old, key)


async def test_a_deactivated_or_deleted_account_s_consoles_are_closed_at_once(
    connect, forum, participant, moderator
):
    """The city's staff may end a moderator's access by switching the account off (or
    deleting it) rather than editing the conference: the open consoles close as well."""
    other = await sync_to_async(make_moderator)(forum.conference)
    gone = await sync_to_async(make_moderator)(forum.conference)
    _, console = await connect(forum, user=moderator)
    _, colleague = await connect(forum, user=other)
    _, third = await connect(forum, user=gone)
    for client in (console, colleague, third):
        await client.until("snapshot")

    @sync_to_async
    def switch_off():
        moderator.is_active = False
        moderator.save()

    await switch_off()
    assert (await closed_with(console))[0] == 4403
    await sync_to_async(gone.delete)()
    assert (await closed_with(third))[0] == 4403
    await propose_and_hide(forum, participant, other, "Text nach der Sperre")
    assert (await colleague.until("event", name="item.hidden"))["data"]["text"]
    await colleague.close()
