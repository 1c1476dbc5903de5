"""seed_demo and load_conference, including every kind of broken file."""

import io
import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from workshops.codes import JOIN_CODE_ALPHABET
from workshops.models import ActionField, Conference, Forum, ForumEvent, Item

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "conference.example.toml"


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def counts():
    return (
        Conference.objects.count(),
        ActionField.objects.count(),
        Forum.objects.count(),
        get_user_model().objects.count(),
    )


# --- seed_demo -------------------------------------------------------------------------


def test_seed_demo_json_has_the_shape_of_the_protocol():
    demo = json.loads(run("seed_demo", "--json"))
    assert set(demo) == {"conference", "forums", "moderator"}
    assert Conference.objects.get(slug=demo["conference"]).fields.count() == 5
    assert len(demo["forums"]) == 4
    for forum in demo["forums"]:
        assert set(forum) == {"code", "title", "fields", "screen_key"}
        assert len(forum["code"]) == 6 and set(forum["code"]) <= set(JOIN_CODE_ALPHABET)
        assert forum["fields"] and all(isinstance(f, int) for f in forum["fields"])
    assert Forum.objects.get(code=demo["forums"][-1]["code"]).kind == "plenary"
    assert set(demo["moderator"]) == {"username", "password"}


def test_seed_demo_is_idempotent_and_keeps_a_changed_password(client):
    first = json.loads(run("seed_demo", "--json"))
    items = Item.objects.count()
    assert items == 6 and ForumEvent.objects.count() == 6
    assert first["moderator"] == {"username": "moderation", "password": "mitwirken-demo"}
    assert json.loads(run("seed_demo", "--json")) == first
    user = get_user_model().objects.get(username=first["moderator"]["username"])
    user.set_password("vergessen-und-geaendert")
    user.save()
    # every `make run` seeds again: the password someone chose survives it
    second = json.loads(run("seed_demo", "--json"))
    assert second == {**first, "moderator": {"username": "moderation", "password": None}}
    assert Conference.objects.count() == 1 and Item.objects.count() == items
    assert not client.login(**first["moderator"])
    assert client.login(username="moderation", password="vergessen-und-geaendert")
    assert client.get(f"/f/{first['forums'][0]['code']}/moderate/").status_code == 200
    assert "moderation with the password set before" in run("seed_demo")


def test_seed_demo_for_a_network_never_uses_the_public_password(client):
    """``HOST=0.0.0.0 make run``: phones on the venue's network reach the login too."""
    local = json.loads(run("seed_demo", "--json"))
    assert local["moderator"]["password"] == "mitwirken-demo"
    out = run("seed_demo", "--base-url", "http://0.0.0.0:8080")
    assert "mitwirken-demo" not in out
    made = out.split("Moderator login:  moderation / ")[1].split()[0]
    assert len(made) >= 16 and "shown only now" in out
    assert not client.login(username="moderation", password="mitwirken-demo")
    assert client.login(username="moderation", password=made)
    # printed once: the next start on the network neither shows nor changes it
    again = run("seed_demo", "--base-url", "http://192.168.1.20:8080")
    assert made not in again and "password set before" in again
    assert client.login(username="moderation", password=made)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_seed_demo_bound_to_a_network_never_uses_the_public_password(client, host):
    """``HOST=0.0.0.0 BASE_URL=http://localhost:8000 make run`` still serves the network:
    where Daphne listens decides too, not only the address printed."""
    local = json.loads(run("seed_demo", "--json", "--host", "127.0.0.1"))
    assert local["moderator"]["password"] == "mitwirken-demo"
    out = run("seed_demo", "--base-url", "http://localhost:8000", "--host", host)
    assert "mitwirken-demo" not in out and "shown only now" in out
    assert not client.login(username="moderation", password="mitwirken-demo")


def test_seed_demo_behind_an_https_proxy_never_uses_the_public_password(client, settings):
    """Daphne on 127.0.0.1 behind Caddy or nginx is still reached from the network."""
    settings.BEHIND_HTTPS_PROXY = True
    out = run("seed_demo", "--base-url", "https://mitwirken.stadt.de")
    assert "mitwirken-demo" not in out and "shown only now" in out
    assert "mitwirken-demo" not in run("seed_demo")  # the default, loopback base URL
    assert not client.login(username="moderation", password="mitwirken-demo")


def test_seed_demo_leaves_a_deactivated_moderator_deactivated():
    run("seed_demo", "--json")
    get_user_model().objects.filter(username="moderation").update(is_active=False)
    run("seed_demo")
    assert not get_user_model().objects.get(username="moderation").is_active


@pytest.mark.parametrize(
    "url, loopback",
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("http://127.0.1.1", True),
        ("http://0.0.0.0:8000", False),
        ("http://10.0.0.5:8080", False),
        ("http://[::]:8000", False),
        ("https://mitwirken.stadt.de", False),
    ],
)
def test_which_addresses_count_as_this_machine_only(url, loopback):
    from workshops.management.commands.seed_demo import is_loopback

    assert is_loopback(url) is loopback


def test_seed_demo_items_answer_each_other():
    run("seed_demo", "--json")
    goal = Item.objects.filter(kind="goal").first()
    measure = Item.objects.filter(kind="measure").first()
    assert goal.refs.get().kind == "need"
    assert measure.refs.get().kind == "goal"


def test_seed_demo_prints_every_forum_first_forum_first():
    demo = json.loads(run("seed_demo", "--json"))
    out = run("seed_demo", "--base-url", "http://10.0.0.5:8080/")
    first = demo["forums"][0]
    # the first forum's addresses come before any other forum's
    assert out.index(first["title"]) < out.index(demo["forums"][1]["title"])
    for forum in demo["forums"]:
        code = forum["code"]
        assert f"(code {code})" in out
        assert f"Phone:      http://10.0.0.5:8080/j/{code}\n" in out
        assert f"Moderation: http://10.0.0.5:8080/f/{code}/moderate/\n" in out
        assert (
            f"Screen:     http://10.0.0.5:8080/f/{code}/screen/?key={forum['screen_key']}\n" in out
        )
    assert "moderation / " in out and "mitwirken-demo" not in out


def test_seed_demo_defaults_to_the_local_address():
    out = run("seed_demo")
    assert "http://127.0.0.1:8000/j/BQRK24" in out
    assert "moderation / mitwirken-demo" in out


# --- load_conference -------------------------------------------------------------------


def test_the_example_file_loads():
    out = run("load_conference", str(EXAMPLE))
    conference = Conference.objects.get(slug="ik-musterstadt-2026")
    assert conference.date.isoformat() == "2026-11-21"
    assert list(conference.fields.values_list("title", flat=True)) == [
        "Bildung, Erziehung & Sprache",
        "Wirtschaft & Arbeit",
        "Gesundheit",
        "Wohnen & Zusammenleben im Quartier",
    ]
    forum_a = Forum.objects.get(code="MSTA24")
    assert list(forum_a.fields.values_list("title", flat=True)) == ["Bildung, Erziehung & Sprache"]
    plenary = conference.forums.get(kind="plenary")
    assert plenary.fields.count() == 4
    assert list(conference.moderators.values_list("username", flat=True)) == ["integrationsbuero"]
    # moderation-a runs Fachforum A only
    assert list(forum_a.moderators.values_list("username", flat=True)) == ["moderation-a"]
    assert (forum_a.room, f"{forum_a.starts_at:%H:%M}", f"{forum_a.ends_at:%H:%M}") == (
        "Raum 2.14",
        "14:00",
        "15:30",
    )
    assert not get_user_model().objects.get(username="integrationsbuero").has_usable_password()
    assert "changepassword integrationsbuero" in out
    assert "MSTA24" in out
    assert "where:  Raum 2.14, 14:00–15:30" in out
    assert "moderators of this forum: moderation-a" in out


def test_a_json_file_loads(tmp_path):
    path = tmp_path / "konferenz.json"
    path.write_text(
        json.dumps(
            {
                "conference": {"title": "Konferenz Ünterstadt", "languages": ["de", "ar"]},
                "fields": ["Gesundheit"],
                "forums": [{"title": "Forum Gesundheit", "fields": ["Gesundheit"]}],
            }
        ),
        encoding="utf-8",
    )
    run("load_conference", str(path))
    conference = Conference.objects.get()
    assert conference.slug == "konferenz-unterstadt"
    assert conference.languages == ["de", "ar"]
    assert conference.forums.get().fields.get().title == "Gesundheit"


def write(tmp_path, text, name="k.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
[conference]
title = "Konferenz"
[[fields]]
title = "Wohnen"
[[forums]]
title = "Forum 1"
fields = ["Wohnen"]
code = "ABC234"
"""


@pytest.mark.parametrize(
    "text, name, message",
    [
        (None, "fehlt.toml", "no such file"),
        ("title = 'x'", "k.yaml", "use a .toml or .json file"),
        ("[conference\ntitle = 'x'", "k.toml", "not valid TOML"),
        ('{"conference": ', "k.json", "not valid JSON"),
        (
            GOOD.replace('title = "Konferenz"', 'motto = "ohne Titel"'),
            "k.toml",
            "conference.title: is missing",
        ),
        (
            GOOD.replace('fields = ["Wohnen"]', 'fields = ["Arbeit"]'),
            "k.toml",
            "forums[0].fields: unknown action field 'Arbeit'",
        ),
        (GOOD.replace("ABC234", "ABC10O"), "k.toml", "forums[0].code: 'ABC10O' is not a join code"),
        (
            GOOD + '[[forums]]\ntitle = "Forum 2"\nfields = ["Wohnen"]\ncode = "abc234"\n',
            "k.toml",
            "forums[1].code: the join code ABC234 is taken",
        ),
        (
            GOOD.replace("[conference]", '[conference]\nlanguages = ["de", "xx"]'),
            "k.toml",
            "unknown language 'xx'",
        ),
        (
            GOOD.replace('title = "Konferenz"', 'title = "Konferenz"\ndate = "morgen"'),
            "k.toml",
            "conference.date",
        ),
        (
            GOOD + '[[moderators]]\nusername = "m"\npassword = "kurz"\n',
            "k.toml",
            "moderators[0].password",
        ),
        (
            GOOD.replace(
                '[[forums]]\ntitle = "Forum 1"', '[[forums]]\ntitle = "Forum 1"\nkind = "party"'
            ),
            "k.toml",
            "forums[0].kind",
        ),
        (GOOD.replace("[[forums]]", "[[forum]]"), "k.toml", "file: unknown key 'forum'"),
        (
            GOOD + '[[forums]]\ntitle = "Forum 1"\nfields = ["Wohnen"]\n',
            "k.toml",
            "forums[1].title: the forum 'Forum 1' is listed twice",
        ),
        ('["a list"]', "k.json", "file: must describe one conference"),
    ],
    ids=[
        "missing",
        "extension",
        "toml-syntax",
        "json-syntax",
        "no-title",
        "unknown-field",
        "bad-code",
        "duplicate-code",
        "unknown-language",
        "bad-date",
        "short-password",
        "bad-kind",
        "typo-key",
        "duplicate-forum",
        "json-list",
    ],
)
def test_a_broken_file_is_refused_with_a_clear_message_and_creates_nothing(
    tmp_path, text, name, message
):
    path = tmp_path / name if text is None else write(tmp_path, text, name)
    before = counts()
    with pytest.raises(CommandError) as info:
        run("load_conference", str(path))
    assert message in str(info.value)
    assert counts() == before


def test_a_toml_syntax_error_names_the_line(tmp_path):
    with pytest.raises(CommandError) as info:
        run("load_conference", str(write(tmp_path, '[conference]\ntitle = "x"\nvenue = \n')))
    assert "line 3" in str(info.value)


def test_a_json_syntax_error_names_the_line(tmp_path):
    with pytest.raises(CommandError) as info:
        run(
            "load_conference",
            str(write(tmp_path, '{\n"conference": {\n"title": "x",\n}}', "k.json")),
        )
    assert "line 4" in str(info.value)


def test_a_directory_is_not_a_file(tmp_path):
    (tmp_path / "d.toml").mkdir()
    with pytest.raises(CommandError, match="no such file"):
        run("load_conference", str(tmp_path / "d.toml"))


def test_the_command_fails_with_a_non_zero_exit(tmp_path):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATA_DIR": str(tmp_path)}  # keep away from the developer's database
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "load_conference", str(tmp_path / "fehlt.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "fehlt.toml: no such file" in result.stderr


def test_a_code_taken_by_another_conference_is_refused(tmp_path):
    run("load_conference", str(write(tmp_path, GOOD)))
    before = counts()
    with pytest.raises(CommandError) as info:
        run(
            "load_conference",
            str(write(tmp_path, GOOD.replace('"Konferenz"', '"Andere"'), "b.toml")),
        )
    assert "ABC234 is taken" in str(info.value)
    assert counts() == before


def test_loading_the_same_slug_twice_needs_update_and_update_adds_without_deleting(tmp_path):
    run("load_conference", str(write(tmp_path, GOOD)))
    before = counts()
    with pytest.raises(CommandError) as info:
        run("load_conference", str(write(tmp_path, GOOD)))
    assert "exists already" in str(info.value)
    assert counts() == before
    more = (
        GOOD.replace("[[forums]]", '[[fields]]\ntitle = "Arbeit"\n[[forums]]', 1)
        + '[[forums]]\ntitle = "Forum 2"\nfields = ["Arbeit"]\n[[moderators]]\n'
        'username = "neu"\npassword = "lang-genug-123"\n'
    )
    # the update file leaves out nothing, adds a field, a forum and a moderator
    run("load_conference", str(write(tmp_path, more, "more.toml")), "--update")
    conference = Conference.objects.get()
    assert list(conference.fields.values_list("title", flat=True)) == ["Wohnen", "Arbeit"]
    assert list(conference.forums.values_list("title", flat=True)) == ["Forum 1", "Forum 2"]
    assert Forum.objects.get(title="Forum 1").code == "ABC234"
    assert conference.moderators.get().username == "neu"
    smaller = '[conference]\ntitle = "Konferenz"\n[[fields]]\ntitle = "Wohnen"\n'
    run("load_conference", str(write(tmp_path, smaller, "smaller.toml")), "--update")
    assert conference.fields.count() == 2 and conference.forums.count() == 2
    assert conference.moderators.count() == 1


def test_the_example_loads_again_with_update_and_changes_nothing():
    run("load_conference", str(EXAMPLE))
    codes = sorted(Forum.objects.values_list("code", flat=True))
    before = counts()
    out = run("load_conference", str(EXAMPLE), "--update")
    assert counts() == before
    assert sorted(Forum.objects.values_list("code", flat=True)) == codes
    assert "forums[0]: 'Fachforum A: Sprache öffnet Türen' exists already" in out
