"""What a phone downloads when the room arrives (docs/performance.md, "Arrival"): at most
six requests and 40 KB, compressed as sent, before its socket opens; every asset under a
hashed name cached for a year, so a second visit loads only the page. Served as Daphne
serves them (config/asgi.py) after ``collectstatic``, as `make run` does."""

import gzip
import re
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.core.management import call_command
from django.test import override_settings

from bench.arrive import assets_of, imports_of
from config.bundles import ENTRIES, BundleError, bundle
from tests.factories import fill_forum, make_forum

BUDGET_BYTES = 40 * 1024
BUDGET_REQUESTS = 6
HASHED = re.compile(r"\.[0-9a-f]{12}\.(?:js|css)$")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def collected(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path / "static"):
        call_command("collectstatic", interactive=False, verbosity=0)
        from config.asgi import django_asgi_app
        from config.static import StaticFirst

        yield StaticFirst(django_asgi_app)


class Browser:
    """A phone's browser on its first visit: cookies, and the gzip every browser asks for."""

    def __init__(self, app):
        self.app, self.cookies, self.requests, self.bytes = app, {}, 0, 0

    async def request(self, method, path, form=None, referer=""):
        headers = [(b"host", b"localhost"), (b"accept-encoding", b"gzip, deflate, br")]
        if self.cookies:
            jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            headers.append((b"cookie", jar.encode()))
        body = b""
        if form is not None:
            body = urlencode(form).encode()
            headers += [
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"origin", b"http://localhost"),
                (b"referer", referer.encode()),
            ]
        answer = await HttpCommunicator(self.app, method, path, body, headers).get_response()
        self.requests += 1
        head = {k.decode().lower(): v.decode() for k, v in answer["headers"]}
        self.bytes += len(answer["body"]) + sum(len(k) + len(v) + 4 for k, v in answer["headers"])
        for name, value in answer["headers"]:
            if name.lower() == b"set-cookie":
                for morsel in SimpleCookie(value.decode()).values():
                    self.cookies[morsel.key] = morsel.value
        text = answer["body"]
        if head.get("content-encoding") == "gzip":
            text = gzip.decompress(text)
        return answer["status"], head, text.decode()


async def test_a_phone_arrives_within_six_requests_and_40_kb(transactional_db, collected):
    forum = await sync_to_async(make_forum)()
    await sync_to_async(fill_forum)(forum, 20, length=200)
    phone = Browser(collected)
    seen, assets = set(), []

    async def load(html):
        for url in assets_of(html):
            path = urlsplit(url).path
            if path in seen:
                continue  # cached for a year: the phone page does not ask again
            seen.add(path)
            status, head, text = await phone.request("GET", path)
            assets.append((path, head))
            assert status == 200, path
            if path.endswith(".js"):
                assert imports_of(text, path) == [], "one script, importing nothing"

    status, _, join_page = await phone.request("GET", f"/j/{forum.code}")
    assert status == 200
    await load(join_page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', join_page).group(1)
    status, head, _ = await phone.request(
        "POST",
        f"/j/{forum.code}",
        {"csrfmiddlewaretoken": token, "name": "Ayşe"},
        referer=f"http://localhost/j/{forum.code}",
    )
    assert status == 302 and head["location"] == f"/f/{forum.code}/"
    status, _, phone_page = await phone.request("GET", f"/f/{forum.code}/")
    assert status == 200 and "Vorschlag 20" in phone_page
    await load(phone_page)

    assert phone.requests <= BUDGET_REQUESTS, [path for path, _ in assets]
    assert phone.bytes <= BUDGET_BYTES, phone.bytes
    assert {path.rsplit("/", 2)[-2] for path, _ in assets} == {"css", "bundles"}
    for path, head in assets:
        assert HASHED.search(path), path
        assert head["content-encoding"] == "gzip", path
        assert "immutable" in head["cache-control"], path
        max_age = int(re.search(r"max-age=(\d+)", head["cache-control"]).group(1))
        assert max_age >= 365 * 24 * 3600, path
        assert head["x-content-type-options"] == "nosniff", path

    # a second visit: the page alone, every asset it names already held
    status, _, again = await phone.request("GET", f"/f/{forum.code}/")
    assert status == 200 and {urlsplit(u).path for u in assets_of(again)} <= seen


async def test_a_static_file_not_modified_is_answered_304(transactional_db, collected):
    phone = Browser(collected)
    forum = await sync_to_async(make_forum)()
    _, _, page = await phone.request("GET", f"/j/{forum.code}")
    stylesheet = urlsplit(assets_of(page)[0]).path
    status, head, _ = await phone.request("GET", stylesheet)
    answer = await HttpCommunicator(
        collected, "GET", stylesheet, headers=[(b"if-none-match", head["etag"].encode())]
    ).get_response()
    assert status == 200 and answer["status"] == 304 and answer["body"] == b""


def test_every_page_names_one_script_that_holds_its_modules():
    """Each page's bundle holds its entry module and every module that imports, once."""
    for entry in ENTRIES:
        text = bundle(ROOT / "static", entry)
        for module in ["js/live.js", "js/wall.js", "js/session.js", entry]:
            assert text.count(f"// static/{module}\n") == 1, (entry, module)
        assert not re.search(r"^\s*(import|export)\b", text, re.M), entry


def test_a_module_form_the_bundler_does_not_know_stops_the_build(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js/page.js").write_text('import { a } from "./a.js";\na();\n')
    (tmp_path / "js/a.js").write_text("export default function a() {}\n")
    with pytest.raises(BundleError, match="js/a.js, line 1"):
        bundle(tmp_path, "js/page.js")
    (tmp_path / "js/a.js").write_text('import "./page.js";\nexport function a() {}\n')
    with pytest.raises(BundleError, match="import cycle"):
        bundle(tmp_path, "js/page.js")


def test_without_javascript_a_phone_joins_and_proposes_with_plain_forms(client, forum):
    """The bundle only adds to the pages: join and proposal are form posts."""
    join = client.get(f"/j/{forum.code}").content.decode()
    assert '<script type="module"' not in join  # the join page needs no script at all
    assert client.post(f"/j/{forum.code}", {"name": "Ayşe"}).status_code == 302
    page = client.get(f"/f/{forum.code}/").content.decode()
    assert re.search(r'<script type="module" src="/static/bundles/phone[.\w]*\.js"></script>', page)
    field = forum.fields.first()
    answer = client.post(
        f"/f/{forum.code}/propose",
        {"field": field.pk, "kind": "need", "text": "Sprachcafé im Quartier"},
        follow=True,
    )
    assert answer.status_code == 200 and "Sprachcafé im Quartier" in answer.content.decode()
