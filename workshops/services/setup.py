"""Setting up a conference: from a file (``load_conference``) or the demo (``seed_demo``).

Both run in one transaction: a description with any error creates nothing. Set-up data
(conference, action fields, forums, moderators) has no live clients yet, so unlike the
other services these write the rows directly and record no forum events; the demo's
example items are the exception and go through ``propose_item``.
"""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify

from workshops.actors import Actor
from workshops.codes import JOIN_CODE_ALPHABET, new_join_code, normalize_join_code
from workshops.exceptions import ServiceError
from workshops.models import ActionField, Conference, Forum, GuidingGoal, Participant, SubGoal
from workshops.services.items import propose_item

# The keys a description may use, per table. Anything else is refused, so a typo
# ("forum" for "forums", "feld" for "fields") is reported instead of silently ignored.
TOP_KEYS = ("conference", "fields", "forums", "moderators")
CONFERENCE_KEYS = ("slug", "title", "motto", "date", "venue", "stakeholder_groups", "languages")
FIELD_KEYS = ("title", "description", "guiding_goals", "titles")
GUIDING_GOAL_KEYS = ("title", "sub_goals")
FORUM_KEYS = ("title", "kind", "fields", "code", "room", "start", "end", "titles")
MODERATOR_KEYS = ("username", "email", "password", "forums")

# A random join code collides with an existing one about once in 887 million draws;
# the bound only turns a broken random source into an error instead of a hang.
_CODE_ATTEMPTS = 100


def _invalid(where: str, problem: str) -> ServiceError:
    return ServiceError(ServiceError.INVALID, f"{where}: {problem}")


def _check_keys(raw: dict, allowed: tuple[str, ...], where: str) -> None:
    unknown = [key for key in raw if key not in allowed]
    if unknown:
        raise _invalid(where, f"unknown key '{unknown[0]}' (expected one of: {', '.join(allowed)})")


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


def _list_of_text(data: dict, key: str, where: str, *, max_length=200) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _invalid(f"{where}.{key}", "must be a list of non-empty texts")
    texts = [v.strip() for v in value]
    for text in texts:
        if len(text) > max_length:
            raise _invalid(
                f"{where}.{key}", f"'{text[:40]}…' is longer than {max_length} characters"
            )
    seen = set()
    for text in texts:
        if text in seen:
            raise _invalid(f"{where}.{key}", f"'{text}' is listed twice")
        seen.add(text)
    return texts


def _titles(data: dict, where: str, *, max_length=200) -> dict[str, str]:
    """The title in other languages, shown on phones in the reader's language:
    ``titles = { tr = "...", ar = "..." }`` (a language code the product knows each)."""
    value = data.get("titles", {})
    if not isinstance(value, dict):
        raise _invalid(f"{where}.titles", 'must be a table like { tr = "...", ar = "..." }')
    known = [code for code, _name in settings.LANGUAGES]
    titles = {}
    for code in value:
        if code not in known:
            raise _invalid(
                f"{where}.titles", f"unknown language '{code}' (known: {', '.join(known)})"
            )
        titles[code] = _text(value, code, f"{where}.titles", required=True, max_length=max_length)
    return titles


def _table_list(data: dict, key: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise _invalid(key, "must be a list ([[" + key + "]] tables in TOML)")
    return value


def _date(raw, where: str) -> datetime.date | None:
    # TOML gives dates as date objects (and date-times as datetime, a subclass of date).
    if isinstance(raw, datetime.datetime):
        raise _invalid(where, "must be a date without a time, like 2026-11-21")
    if isinstance(raw, datetime.date):
        return raw
    if raw in (None, ""):
        return None
    if isinstance(raw, str):
        try:
            return datetime.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise _invalid(where, f"'{raw}' is not a date like 2026-11-21")


def _time(raw, where: str) -> datetime.time | None:
    # TOML gives a local time (14:00:00) as a time object; the text "14:00" works too.
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime.time):
        return raw.replace(second=0, microsecond=0)
    if isinstance(raw, str):
        try:
            return datetime.time.fromisoformat(raw.strip()).replace(second=0, microsecond=0)
        except ValueError:
            pass
    raise _invalid(where, f"'{raw}' is not a time like \"14:00\"")


def _forum_schedule(raw: dict, where: str) -> dict:
    """A forum's room and time (all optional); the end must come after the start."""
    starts_at = _time(raw.get("start"), f"{where}.start")
    ends_at = _time(raw.get("end"), f"{where}.end")
    if starts_at and ends_at and ends_at <= starts_at:
        raise _invalid(
            f"{where}.end",
            f"{ends_at:%H:%M} is not after the start ({starts_at:%H:%M})",
        )
    room = _text(raw, "room", where, max_length=Forum._meta.get_field("room").max_length)
    return {"room": room, "starts_at": starts_at, "ends_at": ends_at}


def _conference_details(block: dict, *, partial: bool) -> tuple[str, dict]:
    """The conference's slug and its details. With ``partial`` (an update) only the keys
    the file gives are returned, so leaving a key out never erases what is stored."""
    where = "conference"
    title = _text(block, "title", where, required=True, max_length=200)
    slug = _text(block, "slug", where, max_length=80)
    if not slug:
        slug = slugify(title)[:80].strip("-")
        if not slug:
            raise _invalid(
                "conference.slug", "is missing and cannot be made from the title; give one"
            )
    elif slugify(slug) != slug:
        raise _invalid(
            "conference.slug", f"'{slug}' may contain only lower-case letters, digits and dashes"
        )
    known = [code for code, _name in settings.LANGUAGES]
    languages = _list_of_text(block, "languages", where, max_length=8)
    for code in languages:
        if code not in known:
            raise _invalid(
                "conference.languages", f"unknown language '{code}' (known: {', '.join(known)})"
            )
    group_max = Participant._meta.get_field("group").max_length
    details = {
        "title": title,
        "motto": _text(block, "motto", where),
        "venue": _text(block, "venue", where),
        "date": _date(block.get("date"), "conference.date"),
        "stakeholder_groups": _list_of_text(
            block, "stakeholder_groups", where, max_length=group_max
        ),
        "languages": languages or ["de", "en"],
    }
    if partial:
        details = {key: value for key, value in details.items() if key in block}
    return slug, details


def _fixed_codes(raw_forums: list) -> dict[int, str]:
    """The join codes the file fixes, by forum index, checked for form and repeats.

    Collected before any forum is written so that a generated code never takes a code a
    later forum of the same file asks for.
    """
    codes: dict[int, str] = {}
    owner: dict[str, int] = {}
    for n, raw in enumerate(raw_forums):
        if not isinstance(raw, dict) or raw.get("code") in (None, ""):
            continue
        raw_code = raw["code"]
        code = normalize_join_code(raw_code) if isinstance(raw_code, str) else None
        if code is None:
            raise _invalid(
                f"forums[{n}].code",
                f"'{raw_code}' is not a join code: 6 characters from {JOIN_CODE_ALPHABET}",
            )
        if code in owner:
            raise _invalid(
                f"forums[{n}].code", f"the join code {code} is taken (by forums[{owner[code]}] too)"
            )
        owner[code] = n
        codes[n] = code
    return codes


def _unique_code(reserved: set[str]) -> str:
    for _attempt in range(_CODE_ATTEMPTS):
        code = new_join_code()
        if code not in reserved and not Forum.objects.filter(code=code).exists():
            return code
    raise _invalid("forums", "could not find a free join code; try again")


def _moderator(raw, where: str, notes: list[str]):
    users = get_user_model()
    if isinstance(raw, str):
        raw = {"username": raw}
    if not isinstance(raw, dict):
        raise _invalid(where, "must be a user name or a table with a username")
    _check_keys(raw, MODERATOR_KEYS, where)
    username_field = users._meta.get_field(users.USERNAME_FIELD)
    username = _text(raw, "username", where, required=True, max_length=username_field.max_length)
    try:
        username_field.run_validators(username)
    except ValidationError as exc:
        raise _invalid(f"{where}.username", f"'{username}': {' '.join(exc.messages)}") from None
    email = _text(raw, "email", where, max_length=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise _invalid(f"{where}.email", f"'{email}' is not an e-mail address") from None
    password = raw.get("password")
    if password is not None and not isinstance(password, str):
        raise _invalid(f"{where}.password", "must be text")

    user = users.objects.filter(**{users.USERNAME_FIELD: username}).first()
    if user is not None:
        # Reused as it is: a conference file must not be a way to take over an account.
        if password or email:
            notes.append(
                f"{where}: '{username}' exists already and was added as a moderator; "
                "its password and e-mail were left unchanged"
            )
        return user
    user = users(**{users.USERNAME_FIELD: username}, email=email)
    if password:
        try:
            password_validation.validate_password(password, user=user)
        except ValidationError as exc:
            raise _invalid(f"{where}.password", " ".join(exc.messages)) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
        notes.append(
            f"{where}: '{username}' has no password yet: set one with "
            f"`python manage.py changepassword {username}`"
        )
    user.save()
    return user


def _guiding_goals(raw: dict, where: str) -> list[tuple[str, list[str]]]:
    """The field's guiding goals as (title, sub-goal titles), checked before anything of
    the field is written."""
    raw_goals = raw.get("guiding_goals", [])
    if not isinstance(raw_goals, list):
        raise _invalid(
            f"{where}.guiding_goals", "must be a list ([[fields.guiding_goals]] tables in TOML)"
        )
    title_max = GuidingGoal._meta.get_field("title").max_length
    goals, seen = [], set()
    for n, goal in enumerate(raw_goals):
        at = f"{where}.guiding_goals[{n}]"
        if isinstance(goal, str):
            goal = {"title": goal}
        if not isinstance(goal, dict):
            raise _invalid(at, "must be a title or a table with a title")
        _check_keys(goal, GUIDING_GOAL_KEYS, at)
        title = _text(goal, "title", at, required=True, max_length=title_max)
        if title in seen:
            raise _invalid(f"{at}.title", f"the guiding goal '{title}' is listed twice")
        seen.add(title)
        goals.append((title, _list_of_text(goal, "sub_goals", at, max_length=title_max)))
    return goals


def _add_guiding_goals(field: ActionField, goals: list[tuple[str, list[str]]]) -> None:
    """Add the guiding goals and sub-goals the field lacks (by title), after those it has.
    Nothing is removed or renumbered: items may already link to a sub-goal."""
    existing = {g.title: g for g in field.guiding_goals.all()}
    position = max((g.position for g in existing.values()), default=-1) + 1
    for title, sub_titles in goals:
        goal = existing.get(title)
        if goal is None:
            goal = GuidingGoal.objects.create(field=field, title=title, position=position)
            position += 1
        subs = {s.title: s for s in goal.sub_goals.all()}
        sub_position = max((s.position for s in subs.values()), default=-1) + 1
        for sub_title in sub_titles:
            if sub_title not in subs:
                SubGoal.objects.create(guiding_goal=goal, title=sub_title, position=sub_position)
                sub_position += 1


def _load(data, update: bool, notes: list[str]) -> Conference:
    if not isinstance(data, dict):
        raise _invalid("file", "must describe one conference (a table / an object)")
    if "conference" in data:
        _check_keys(data, TOP_KEYS, "file")
        block = data["conference"]
        if not isinstance(block, dict):
            raise _invalid("conference", "must be a table")
        _check_keys(block, CONFERENCE_KEYS, "conference")
    else:
        # A flat description: the conference's keys at the top, beside the lists.
        _check_keys(data, TOP_KEYS + CONFERENCE_KEYS, "file")
        block = {key: value for key, value in data.items() if key in CONFERENCE_KEYS}
    raw_fields = _table_list(data, "fields")
    raw_forums = _table_list(data, "forums")
    raw_moderators = _table_list(data, "moderators")

    conference = Conference.objects.filter(slug=_conference_details(block, partial=True)[0]).first()
    if conference is not None and not update:
        raise _invalid(
            "conference.slug",
            f"a conference '{conference.slug}' exists already (load with --update to add to it)",
        )
    slug, details = _conference_details(block, partial=conference is not None)
    if conference is None:
        conference = Conference.objects.create(slug=slug, **details)
    elif details:
        for key, value in details.items():
            setattr(conference, key, value)
        conference.save(update_fields=list(details))

    # Action fields, in the file's order, after those the conference has.
    fields = {f.title: f for f in conference.fields.all()}
    if not raw_fields and not fields:
        raise _invalid("fields", "list at least one action field")
    next_position = (conference.fields.aggregate(p=Max("position"))["p"] or 0) + 1 if fields else 0
    in_file: set[str] = set()
    for n, raw in enumerate(raw_fields):
        where = f"fields[{n}]"
        if isinstance(raw, str):
            raw = {"title": raw}
        if not isinstance(raw, dict):
            raise _invalid(where, "must be a title or a table with a title")
        _check_keys(raw, FIELD_KEYS, where)
        title = _text(raw, "title", where, required=True, max_length=200)
        if title in in_file:
            raise _invalid(f"{where}.title", f"the action field '{title}' is listed twice")
        in_file.add(title)
        description = _text(raw, "description", where, max_length=2000)
        titles = _titles(raw, where)
        goals = _guiding_goals(raw, where)
        if title not in fields:
            fields[title] = ActionField.objects.create(
                conference=conference,
                title=title,
                description=description,
                position=next_position,
                titles=titles,
            )
            next_position += 1
        elif "titles" in raw and fields[title].titles != titles:
            fields[title].titles = titles  # the titles in other languages may be added later
            fields[title].save(update_fields=["titles"])
        _add_guiding_goals(fields[title], goals)

    # Forums, matched by title; an existing one is never changed by a load.
    forums = {f.title: f for f in conference.forums.all()}
    fixed = _fixed_codes(raw_forums)
    reserved = set(fixed.values())
    next_position = (conference.forums.aggregate(p=Max("position"))["p"] or 0) + 1 if forums else 0
    in_file = set()
    for n, raw in enumerate(raw_forums):
        where = f"forums[{n}]"
        if not isinstance(raw, dict):
            raise _invalid(where, "must be a table with a title")
        _check_keys(raw, FORUM_KEYS, where)
        title = _text(raw, "title", where, required=True, max_length=200)
        if title in in_file:
            raise _invalid(f"{where}.title", f"the forum '{title}' is listed twice")
        in_file.add(title)
        titles = _titles(raw, where)
        kind = _text(raw, "kind", where) or Forum.Kind.WORKSHOP
        if kind not in Forum.Kind.values:
            raise _invalid(f"{where}.kind", f"'{kind}' is neither 'workshop' nor 'plenary'")
        schedule = _forum_schedule(raw, where)
        field_titles = _list_of_text(raw, "fields", where)
        if not field_titles and kind == Forum.Kind.PLENARY:
            field_titles = list(fields)  # the plenary gathers every action field
        if not field_titles:
            raise _invalid(f"{where}.fields", "name at least one action field")
        for field_title in field_titles:
            if field_title not in fields:
                raise _invalid(f"{where}.fields", f"unknown action field '{field_title}'")
        code = fixed.get(n)
        existing = forums.get(title)
        if existing is not None:
            note = f"{where}: '{title}' exists already and was left as it is"
            if code and code != existing.code:
                note += f" (it keeps its join code {existing.code})"
            notes.append(note)
            continue
        if code is not None:
            if Forum.objects.filter(code=code).exists():
                raise _invalid(f"{where}.code", f"the join code {code} is taken")
        else:
            code = _unique_code(reserved)
            reserved.add(code)
        forum = Forum.objects.create(
            conference=conference,
            title=title,
            kind=kind,
            code=code,
            position=next_position,
            titles=titles,
            **schedule,
        )
        next_position += 1
        forum.fields.set([fields[t] for t in field_titles])
        forums[title] = forum

    in_file = set()
    for n, raw in enumerate(raw_moderators):
        where = f"moderators[{n}]"
        # Checked before the account is made, so a wrong title creates no account.
        own = _list_of_text(raw, "forums", where) if isinstance(raw, dict) else []
        for title in own:
            if title not in forums:
                raise _invalid(f"{where}.forums", f"unknown forum '{title}'")
        user = _moderator(raw, where, notes)
        if user.pk in in_file:
            raise _invalid(where, f"'{user.get_username()}' is listed twice")
        in_file.add(user.pk)
        if own:
            # moderators of these forums only (rules.can_moderate)
            for title in own:
                forums[title].moderators.add(user)
        else:
            conference.moderators.add(user)
    return conference


def load_conference(
    *, data: dict, update: bool = False, notes: list[str] | None = None
) -> Conference:
    """Create a conference with its action fields (and their guiding goals and sub-goals),
    forums and moderators from ``data``.

    ``data`` is the parsed file; its shape is documented in docs/conference.example.toml
    (the conference's keys may also stand at the top level, beside the lists). Every
    problem raises ``ServiceError`` (code ``invalid``) whose message says where it is
    (``forums[2].fields: unknown action field 'Wohnen'``), and nothing is created: the
    whole load is one transaction.

    An existing slug is refused unless ``update``; then the conference's details given in
    the file are overwritten, action fields and forums it lacks (by title) and moderators
    are added, so are guiding goals an action field lacks (by title) and sub-goals a
    guiding goal lacks, and nothing is ever deleted or changed in an existing forum. Existing user
    accounts are reused as they are; new ones without a password get an unusable one.

    ``notes``, if given, receives a sentence for each thing the person loading the file
    should know (an account that still needs a password, a forum left as it was).
    """
    notes = [] if notes is None else notes
    try:
        with transaction.atomic():
            return _load(data, update, notes)
    except IntegrityError:
        # Only a concurrent load can get here: everything unique was checked above.
        raise _invalid(
            "file", "another set-up wrote the same slug or join code at the same time; load again"
        ) from None


DEMO_SLUG = "integrationskonferenz-beispielstadt"
# The documented demo login, printed by seed_demo: not a secret (bandit B105).
DEMO_MODERATOR = {"username": "moderation", "password": "mitwirken-demo"}  # nosec B105
_DEMO_FIELDS = [
    (
        "Interkulturelle Öffnung",
        "Verwaltung, Vereine und Dienste öffnen sich für alle Menschen der Stadt.",
    ),
    (
        "Partizipation & Teilhabe",
        "Mitreden, mitentscheiden, mitgestalten – in Politik, Ehrenamt und Quartier.",
    ),
    ("Wirtschaft & Arbeit", "Anerkennung von Abschlüssen, Ausbildung und gute Arbeit."),
    (
        "Bildung, Erziehung & Sprache",
        "Von der Kita bis zur Weiterbildung, Deutsch und Herkunftssprachen.",
    ),
    ("Zusammenleben im Quartier", "Nachbarschaft, Begegnung und Wohnen."),
]
DEMO = {
    "conference": {
        "slug": DEMO_SLUG,
        "title": "5. Integrationskonferenz der Stadt Beispielstadt",
        "motto": "Vielfalt gestalten – gemeinsam handeln",
        "date": "2026-11-28",
        "venue": "Rathaus, Großer Sitzungssaal",
        "stakeholder_groups": [
            "Verwaltung",
            "Wohlfahrtsverband",
            "Migrantenorganisation",
            "Bürgerin/Bürger",
            "Politik",
            "Bildungseinrichtung",
            "Wirtschaft/Kammer",
            "Polizei/Sicherheit",
        ],
        "languages": ["de", "en", "tr", "ar", "uk", "ru"],
    },
    "fields": [{"title": title, "description": text} for title, text in _DEMO_FIELDS],
    # Stable codes, so a printed QR code or a bookmarked screen survives a fresh database.
    "forums": [
        {
            "title": "Fachforum 1: Sprache und Bildung von Anfang an",
            "code": "BQRK24",
            "fields": ["Bildung, Erziehung & Sprache"],
        },
        {
            "title": "Fachforum 2: Arbeit, Ausbildung und Mitbestimmung",
            "code": "HWTN37",
            "fields": ["Wirtschaft & Arbeit", "Partizipation & Teilhabe"],
        },
        {
            "title": "Fachforum 3: Offene Verwaltung, lebendige Quartiere",
            "code": "MZXV58",
            "fields": ["Interkulturelle Öffnung", "Zusammenleben im Quartier"],
        },
        {
            "title": "Plenum",
            "code": "PNMR69",
            "kind": "plenary",
            "fields": [title for title, _text in _DEMO_FIELDS],
        },
    ],
}

# The first forum's example items: (kind, text, index of the earlier item it answers).
DEMO_ITEMS = [
    ("need", "Eltern mit kleinen Kindern finden keinen Sprachkurs mit Kinderbetreuung.", None),
    (
        "need",
        "Lehrkräfte wissen wenig über die Herkunftssprachen ihrer Schülerinnen und Schüler.",
        None,
    ),
    ("goal", "Bis 2028 gibt es in jedem Stadtteil einen Sprachkurs mit Kinderbetreuung.", 0),
    ("goal", "Mehrsprachigkeit wird in Kitas und Schulen als Stärke genutzt.", 1),
    (
        "measure",
        "Volkshochschule und Kita-Träger planen gemeinsam Kurse am Vormittag mit Betreuung.",
        2,
    ),
    (
        "measure",
        "Fortbildungsreihe „Mehrsprachig lernen“ für Lehrkräfte, "
        "gemeinsam mit Migrantenorganisationen.",
        3,
    ),
]


def _demo_moderator(conference: Conference, *, public_password: bool):
    """The demo login, and its password when it is known: created with the public demo
    password (``public_password``) or a random one. An existing login keeps the password
    and the state someone gave it; only the public password is replaced by a random one
    where it must not be used (``public_password`` False: served beyond this machine)."""
    users = get_user_model()
    user = users.objects.filter(username=DEMO_MODERATOR["username"]).first()
    public = DEMO_MODERATOR["password"]
    password = None
    if user is None or (not public_password and user.check_password(public)):
        password = public if public_password else secrets.token_urlsafe(12)
        user = user or users(username=DEMO_MODERATOR["username"])
        user.set_password(password)
        user.save()
    elif public_password and user.check_password(public):
        password = public
    conference.moderators.add(user)
    return user, password


@transaction.atomic
def seed_demo(*, public_password: bool = True) -> dict:
    """Create the demo conference, or reuse it if its slug exists.

    On first creation the forums get the stable demo codes (a code another conference
    holds is replaced by a generated one) and the first forum gets the example items,
    proposed by the demo moderator through ``propose_item`` so the event log and rev are
    right. The demo moderator is created when missing; a password someone changed stays.
    Without ``public_password`` (the server is reached from a network) the public demo
    password is replaced by a random one. Returns the object of docs/protocol.md ("Setting up
    from the command line"); the moderator's password is null when it is not known here
    (someone set their own).
    """
    conference = Conference.objects.filter(slug=DEMO_SLUG).first()
    if conference is None:
        data = {**DEMO, "forums": [dict(f) for f in DEMO["forums"]]}
        for forum in data["forums"]:
            if Forum.objects.filter(code=forum["code"]).exists():
                del forum["code"]
        conference = load_conference(data=data)
        moderator, password = _demo_moderator(conference, public_password=public_password)
        first = conference.forums.order_by("position", "id").first()
        field = first.fields.order_by("position", "id").first()
        actor = Actor(user=moderator)
        created = []
        for kind, text, answers in DEMO_ITEMS:
            refs = [created[answers].pk] if answers is not None else []
            item = propose_item(
                actor=actor, forum=first, field=field.pk, kind=kind, text=text, refs=refs
            )
            created.append(item)
    else:
        _moderator, password = _demo_moderator(conference, public_password=public_password)
    return {
        "conference": conference.slug,
        "forums": [
            {
                "code": forum.code,
                "title": forum.title,
                "fields": [f.pk for f in forum.fields.order_by("position", "id")],
                "screen_key": forum.screen_key,
            }
            for forum in conference.forums.order_by("position", "id")
        ],
        "moderator": {"username": DEMO_MODERATOR["username"], "password": password},
    }
