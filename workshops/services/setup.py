"""Setting up a conference: from a file (``load_conference``) or the demo (``seed_demo``).

Both run in one transaction: a description with any error creates nothing.
"""
import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from workshops.actors import Actor
from workshops.codes import JOIN_CODE_ALPHABET, new_join_code, normalize_join_code
from workshops.exceptions import ServiceError
from workshops.models import ActionField, Conference, Forum
from workshops.services.items import propose_item


def _invalid(where: str, problem: str) -> ServiceError:
    return ServiceError(ServiceError.INVALID, f"{where}: {problem}")


def _text(data: dict, key: str, where: str, *, required=False, max_length=300) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _invalid(f"{where}.{key}", "must be text")
    value = value.strip()
    if required and not value:
        raise _invalid(f"{where}.{key}", "is missing")
    if len(value) > max_length:
        raise _invalid(f"{where}.{key}", f"is longer than {max_length} characters")
    return value


def _list_of_text(data: dict, key: str, where: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _invalid(f"{where}.{key}", "must be a list of non-empty texts")
    return [v.strip() for v in value]


def _unique_code(taken: set[str]) -> str:
    while True:
        code = new_join_code()
        if code not in taken and not Forum.objects.filter(code=code).exists():
            return code


@transaction.atomic
def load_conference(*, data: dict, update: bool = False) -> Conference:
    """Create a conference with its action fields, forums and moderators from ``data``.

    The shape is documented in docs/conference.example.toml. Every problem raises
    ``ServiceError`` naming where it is (``forums[2].fields: ...``) and nothing is created.
    With ``update`` an existing conference of the same slug is updated: its details are
    overwritten, missing action fields and forums (by title) and moderators are added;
    nothing is ever deleted.
    """
    if not isinstance(data, dict):
        raise _invalid("file", "must describe one conference (a table / an object)")
    block = data.get("conference", data)
    if not isinstance(block, dict):
        raise _invalid("conference", "must be a table")
    title = _text(block, "title", "conference", required=True, max_length=200)
    slug = _text(block, "slug", "conference", max_length=80) or slugify(title)[:80]
    if not slug or slugify(slug) != slug:
        raise _invalid("conference.slug", f"'{slug}' may contain only lower-case letters, digits and dashes")
    raw_date = block.get("date")
    date = None
    if isinstance(raw_date, datetime.date):
        date = raw_date
    elif isinstance(raw_date, str) and raw_date.strip():
        try:
            date = datetime.date.fromisoformat(raw_date.strip())
        except ValueError:
            raise _invalid("conference.date", f"'{raw_date}' is not a date like 2026-11-21") from None
    elif raw_date not in (None, ""):
        raise _invalid("conference.date", "must be a date like 2026-11-21")
    known_languages = [code for code, _name in settings.LANGUAGES]
    languages = _list_of_text(block, "languages", "conference") or ["de", "en"]
    for code in languages:
        if code not in known_languages:
            raise _invalid("conference.languages", f"unknown language '{code}' (known: {', '.join(known_languages)})")
    details = {
        "title": title,
        "motto": _text(block, "motto", "conference"),
        "venue": _text(block, "venue", "conference"),
        "date": date,
        "stakeholder_groups": _list_of_text(block, "stakeholder_groups", "conference"),
        "languages": languages,
    }

    conference = Conference.objects.filter(slug=slug).first()
    if conference is not None and not update:
        raise _invalid("conference.slug", f"a conference '{slug}' exists already (load with --update to add to it)")
    if conference is None:
        conference = Conference.objects.create(slug=slug, **details)
    else:
        for key, value in details.items():
            setattr(conference, key, value)
        conference.save()

    fields = {f.title: f for f in conference.fields.all()}
    raw_fields = data.get("fields", [])
    if not isinstance(raw_fields, list) or not raw_fields and not fields:
        raise _invalid("fields", "list at least one action field")
    for n, raw in enumerate(raw_fields):
        where = f"fields[{n}]"
        if isinstance(raw, str):
            raw = {"title": raw}
        if not isinstance(raw, dict):
            raise _invalid(where, "must be a title or a table with a title")
        field_title = _text(raw, "title", where, required=True, max_length=200)
        if field_title not in fields:
            fields[field_title] = ActionField.objects.create(
                conference=conference,
                title=field_title,
                description=_text(raw, "description", where, max_length=2000),
                position=len(fields),
            )

    forums = {f.title: f for f in conference.forums.all()}
    raw_forums = data.get("forums", [])
    if not isinstance(raw_forums, list):
        raise _invalid("forums", "must be a list")
    codes_here: set[str] = set()
    for n, raw in enumerate(raw_forums):
        where = f"forums[{n}]"
        if not isinstance(raw, dict):
            raise _invalid(where, "must be a table")
        forum_title = _text(raw, "title", where, required=True, max_length=200)
        kind = _text(raw, "kind", where) or Forum.Kind.WORKSHOP
        if kind not in Forum.Kind.values:
            raise _invalid(f"{where}.kind", f"'{kind}' is neither 'workshop' nor 'plenary'")
        field_titles = _list_of_text(raw, "fields", where)
        if not field_titles:
            field_titles = list(fields) if kind == Forum.Kind.PLENARY else []
        if not field_titles:
            raise _invalid(f"{where}.fields", "name at least one action field")
        for field_title in field_titles:
            if field_title not in fields:
                raise _invalid(f"{where}.fields", f"unknown action field '{field_title}'")
        raw_code = raw.get("code")
        code = None
        if raw_code not in (None, ""):
            code = normalize_join_code(raw_code) if isinstance(raw_code, str) else None
            if code is None:
                raise _invalid(
                    f"{where}.code",
                    f"'{raw_code}' is not a join code: 6 characters from {JOIN_CODE_ALPHABET}",
                )
        if forum_title in forums:
            continue  # --update: forums are matched by title and never changed here
        if code is not None:
            if code in codes_here or Forum.objects.filter(code=code).exists():
                raise _invalid(f"{where}.code", f"the join code {code} is taken")
        else:
            code = _unique_code(codes_here)
        codes_here.add(code)
        forum = Forum.objects.create(
            conference=conference, title=forum_title, kind=kind, code=code, position=len(forums)
        )
        forum.fields.set([fields[t] for t in field_titles])
        forums[forum_title] = forum

    users = get_user_model().objects
    raw_moderators = data.get("moderators", [])
    if not isinstance(raw_moderators, list):
        raise _invalid("moderators", "must be a list")
    for n, raw in enumerate(raw_moderators):
        where = f"moderators[{n}]"
        if isinstance(raw, str):
            raw = {"username": raw}
        if not isinstance(raw, dict):
            raise _invalid(where, "must be a user name or a table with a username")
        username = _text(raw, "username", where, required=True, max_length=150)
        password = raw.get("password")
        if password is not None and (not isinstance(password, str) or len(password) < 8):
            raise _invalid(f"{where}.password", "must be text of at least 8 characters")
        user = users.filter(username=username).first()
        if user is None:
            user = users.create_user(username=username, email=_text(raw, "email", where, max_length=254))
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
        elif password:
            user.set_password(password)
            user.save()
        conference.moderators.add(user)
    return conference


DEMO_SLUG = "integrationskonferenz-beispielstadt"
DEMO_MODERATOR = ("moderation", "mitwirken-demo")
DEMO = {
    "conference": {
        "slug": DEMO_SLUG,
        "title": "5. Integrationskonferenz der Stadt Beispielstadt",
        "motto": "Vielfalt gestalten – gemeinsam handeln",
        "date": "2026-11-28",
        "venue": "Rathaus Beispielstadt, Großer Sitzungssaal",
        "stakeholder_groups": [
            "Verwaltung", "Wohlfahrtsverband", "Migrantenorganisation", "Bürgerin/Bürger",
            "Politik", "Bildungseinrichtung", "Wirtschaft/Kammer", "Polizei/Sicherheit",
        ],
        "languages": ["de", "en", "tr", "ar", "uk", "ru"],
    },
    "fields": [
        {"title": "Interkulturelle Öffnung", "description": "Verwaltung, Vereine und Dienste öffnen sich für alle Menschen der Stadt."},
        {"title": "Partizipation & Teilhabe", "description": "Mitreden, mitentscheiden, mitgestalten – in Politik, Ehrenamt und Quartier."},
        {"title": "Wirtschaft & Arbeit", "description": "Anerkennung von Abschlüssen, Ausbildung und gute Arbeit."},
        {"title": "Bildung, Erziehung & Sprache", "description": "Von der Kita bis zur Weiterbildung, Deutsch und Herkunftssprachen."},
        {"title": "Zusammenleben im Quartier", "description": "Nachbarschaft, Begegnung und Wohnen."},
    ],
    "forums": [
        {"title": "Fachforum 1: Sprache und Bildung", "code": "BQRK24", "fields": ["Bildung, Erziehung & Sprache"]},
        {"title": "Fachforum 2: Arbeit und Teilhabe", "code": "HWTN37", "fields": ["Wirtschaft & Arbeit", "Partizipation & Teilhabe"]},
        {"title": "Fachforum 3: Offene Verwaltung und Quartier", "code": "MZXV58", "fields": ["Interkulturelle Öffnung", "Zusammenleben im Quartier"]},
        {"title": "Plenum", "code": "PNMR69", "kind": "plenary", "fields": []},
    ],
    "moderators": [{"username": DEMO_MODERATOR[0], "password": DEMO_MODERATOR[1]}],
}

# (kind, text, index of the earlier item it answers) for the first forum
DEMO_ITEMS = [
    ("need", "Eltern mit kleinen Kindern finden keinen Sprachkurs mit Kinderbetreuung.", None),
    ("need", "Lehrkräfte wissen wenig über die Herkunftssprachen ihrer Schülerinnen und Schüler.", None),
    ("goal", "Bis 2028 gibt es in jedem Stadtteil einen Sprachkurs mit Kinderbetreuung.", 0),
    ("goal", "Mehrsprachigkeit wird in Kitas und Schulen als Stärke genutzt.", 1),
    ("measure", "Volkshochschule und Kita-Träger planen gemeinsam Kurse am Vormittag mit Betreuung.", 2),
    ("measure", "Fortbildungsreihe „Mehrsprachig lernen“ für Lehrkräfte mit Migrantenorganisationen.", 3),
]


def _demo_forums(conference: Conference) -> list[Forum]:
    return list(conference.forums.order_by("position", "id"))


@transaction.atomic
def seed_demo() -> dict:
    """Create the demo conference, or reuse it if it exists (then only the demo
    moderator's password is set again). Returns the object of PROTOCOL.md."""
    conference = Conference.objects.filter(slug=DEMO_SLUG).first()
    if conference is None:
        data = {**DEMO, "forums": [dict(f) for f in DEMO["forums"]]}
        for forum in data["forums"]:  # a code another conference holds is replaced
            if Forum.objects.filter(code=forum["code"]).exists():
                forum.pop("code")
        conference = load_conference(data=data)
        moderator = get_user_model().objects.get(username=DEMO_MODERATOR[0])
        first = _demo_forums(conference)[0]
        field = first.fields.order_by("position", "id").first()
        created = []
        for kind, text, answers in DEMO_ITEMS:
            refs = [created[answers].pk] if answers is not None else []
            created.append(
                propose_item(actor=Actor(user=moderator), forum=first, field=field.pk, kind=kind, text=text, refs=refs)
            )
    else:
        user_model = get_user_model()
        moderator = user_model.objects.filter(username=DEMO_MODERATOR[0]).first()
        if moderator is None:
            moderator = user_model.objects.create_user(username=DEMO_MODERATOR[0])
        moderator.set_password(DEMO_MODERATOR[1])
        moderator.is_active = True
        moderator.save()
        conference.moderators.add(moderator)
    return {
        "conference": conference.slug,
        "forums": [
            {
                "code": forum.code,
                "title": forum.title,
                "fields": list(forum.fields.order_by("position", "id").values_list("pk", flat=True)),
                "screen_key": forum.screen_key,
            }
            for forum in _demo_forums(conference)
        ],
        "moderator": {"username": DEMO_MODERATOR[0], "password": DEMO_MODERATOR[1]},
    }
