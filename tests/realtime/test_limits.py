"""The socket's side of the limits (docs/operations.md, "Limits"): a hall behind one
address is never refused for what browsers do on their own; a guesser is answered 4429
(which the page retries), never 4404; the client's address is X-Forwarded-For's only
behind a trusted proxy."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client as HttpClient

from config.asgi import application
from realtime import limits
from realtime.consumer import CLOSE_NOT_FOUND
from tests.factories import make_conference, make_forum, make_participant
from tests.realtime.conftest import Client, participant_cookie
from workshops import throttle
from workshops.codes import JOIN_CODE_ALPHABET

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fresh_counts(monkeypatch):
    """Socket counts of this test only (sockets of earlier tests may still be open)."""
    from collections import Counter

    monkeypatch.setattr(limits, "_by_sender", Counter())
    monkeypatch.setattr(limits, "_by_address", Counter())


def unknown_codes(n):
    a = JOIN_CODE_ALPHABET
    return [f"ZY{a[i // 961 % 31]}{a[i // 31 % 31]}{a[i % 31]}Y" for i in range(n)]


async def socket(code, *, cookie=None, key=None, address="127.0.0.1", forwarded=None):
    """A socket from ``address`` (the peer Daphne sees), as phones of a hall open them."""
    headers = [(b"host", b"localhost"), (b"origin", b"http://localhost")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    if forwarded:
        headers.append((b"x-forwarded-for", forwarded.encode()))
    path = f"/ws/forum/{code}/" + (f"?key={key}" if key else "")
    communicator = WebsocketCommunicator(application, path, headers=headers)
    communicator.scope["client"] = [address, 50000]
    await communicator.connect()
    return Client(communicator)


async def closed_with(client) -> int | None:
    output = await client.ws.receive_output(timeout=3)
    return output["code"] if output["type"] == "websocket.close" else None


async def test_the_hall_keeps_its_sockets_while_browsers_ask_for_what_is_not_there(
    forum, participant
):
    """Browsers' own requests (icons, addresses nobody serves) from the hall's one address
    are no guesses: the phones' sockets still connect (before: 4404 after 60)."""

    def browse():
        for n in range(80):
            HttpClient().get(f"/nicht-da-{n}")
            HttpClient().get("/favicon.ico")

    await sync_to_async(browse)()
    phone = await socket(forum.code, cookie=await sync_to_async(participant_cookie)(participant))
    assert (await phone.until("snapshot"))["rev"] == 0
    await phone.close()


async def test_a_guessing_browser_is_answered_4429_and_keeps_its_own_forum(forum):
    """After CODE_MISSES_PER_MINUTE (20) unknown codes a browser's sockets close with 4429
    for every forum it does not take part in, real or not; never 4404, which the page
    takes as final."""
    own = await sync_to_async(make_forum)(await sync_to_async(make_conference)())
    person = await sync_to_async(make_participant)(own.conference)
    cookie = await sync_to_async(participant_cookie)(person)
    codes = unknown_codes(21)
    for code in codes[:20]:
        assert await closed_with(await socket(code, cookie=cookie)) == CLOSE_NOT_FOUND
    assert await closed_with(await socket(codes[20], cookie=cookie)) == limits.CLOSE_TOO_MANY
    assert await closed_with(await socket(forum.code, cookie=cookie)) == limits.CLOSE_TOO_MANY
    mine = await socket(own.code, cookie=cookie)
    assert (await mine.until("snapshot"))["type"] == "snapshot"
    await mine.close()
    # another browser at the same address is not concerned
    assert await closed_with(await socket(codes[0])) == CLOSE_NOT_FOUND


async def test_an_address_over_its_cap_leaves_those_who_take_part_connected(
    forum, participant, moderator
):
    """CODE_MISSES_PER_HOUR_PER_ADDRESS (3000): a stranger at that address gets 4429, the
    phones, the console and the screen of the forum still connect."""
    from tests.realtime.conftest import user_cookie

    for _ in range(django_settings.CODE_MISSES_PER_HOUR_PER_ADDRESS):
        await sync_to_async(throttle.code_missed)("127.0.0.1")
    assert await closed_with(await socket(unknown_codes(1)[0])) == limits.CLOSE_TOO_MANY
    assert await closed_with(await socket(forum.code)) == limits.CLOSE_TOO_MANY
    phone_cookie = await sync_to_async(participant_cookie)(participant)
    console_cookie = await sync_to_async(user_cookie)(moderator)
    for opened in [
        await socket(forum.code, cookie=phone_cookie),
        await socket(forum.code, cookie=console_cookie),
        await socket(forum.code, key=forum.screen_key),
    ]:
        assert (await opened.until("snapshot"))["type"] == "snapshot"
        await opened.close()
    # another address is not concerned
    elsewhere = await socket(unknown_codes(1)[0], address="10.0.0.9")
    assert await closed_with(elsewhere) == CLOSE_NOT_FOUND


@pytest.mark.parametrize("trusted", [False, True])
async def test_sockets_count_by_x_forwarded_for_only_behind_a_trusted_proxy(
    forum, settings, fresh_counts, trusted
):
    settings.USE_X_FORWARDED_FOR = trusted
    settings.SOCKETS_PER_ADDRESS = 1
    people = [await sync_to_async(make_participant)(forum.conference) for _ in range(2)]
    cookies = [await sync_to_async(participant_cookie)(p) for p in people]
    # both through the proxy at 10.0.0.1, from two venues
    first = await socket(forum.code, cookie=cookies[0], address="10.0.0.1", forwarded="203.0.113.1")
    assert (await first.until("snapshot"))["type"] == "snapshot"
    second = await socket(
        forum.code, cookie=cookies[1], address="10.0.0.1", forwarded="203.0.113.1, 198.51.100.2"
    )
    if trusted:
        assert (await second.until("snapshot"))["type"] == "snapshot"
        await second.close()
    else:
        assert await closed_with(second) == limits.CLOSE_TOO_MANY
    await first.close()


def test_the_default_caps_are_far_above_a_hall_of_1000():
    assert django_settings.SOCKETS_PER_ADDRESS >= 3000
    assert django_settings.JOINS_PER_MINUTE_PER_ADDRESS >= 3000
    assert django_settings.CODE_MISSES_PER_HOUR_PER_ADDRESS >= 3000
