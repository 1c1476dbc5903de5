"""The conference file's guiding goals (Leitziele) and sub-goals (Teilziele) per field."""

import tomllib
from pathlib import Path

import pytest

from workshops.exceptions import ServiceError
from workshops.models import ActionField, Conference, GuidingGoal, SubGoal
from workshops.services.setup import load_conference

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "conference.example.toml"

FILE = """
[conference]
slug = "ik-aschaffenburg"
title = "Integrationskonferenz Aschaffenburg"

[[fields]]
title = "Bildung, Erziehung & Sprache"
description = "Von der Kita bis zur Weiterbildung."
  [[fields.guiding_goals]]
  title = "Alle Kinder haben gleiche Bildungschancen"
  sub_goals = ["Jedes Kind spricht bei der Einschulung Deutsch", "Eltern kennen das Schulsystem"]
  [[fields.guiding_goals]]
  title = "Mehrsprachigkeit wird als Stärke anerkannt"

[[fields]]
title = "Wohnen"

[[forums]]
title = "Fachforum Bildung"
fields = ["Bildung, Erziehung & Sprache"]
"""


def tree(conference) -> list:
    return [
        (g.field.title, g.position, g.title, [(s.position, s.title) for s in g.sub_goals.all()])
        for g in GuidingGoal.objects.filter(field__conference=conference).order_by(
            "field__position", "position"
        )
    ]


def counts():
    return (
        Conference.objects.count(),
        ActionField.objects.count(),
        GuidingGoal.objects.count(),
        SubGoal.objects.count(),
    )


def test_guiding_goals_and_sub_goals_are_created_in_the_file_order():
    conference = load_conference(data=tomllib.loads(FILE))
    assert tree(conference) == [
        (
            "Bildung, Erziehung & Sprache",
            0,
            "Alle Kinder haben gleiche Bildungschancen",
            [
                (0, "Jedes Kind spricht bei der Einschulung Deutsch"),
                (1, "Eltern kennen das Schulsystem"),
            ],
        ),
        ("Bildung, Erziehung & Sprache", 1, "Mehrsprachigkeit wird als Stärke anerkannt", []),
    ]


def test_the_example_file_has_guiding_goals():
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("load_conference", str(EXAMPLE), stdout=out)
    conference = Conference.objects.get(slug="ik-musterstadt-2026")
    titles = [row[2] for row in tree(conference)]
    assert titles[0] == "Alle Kinder haben gleiche Bildungschancen"
    assert SubGoal.objects.filter(title="Eltern kennen das Schulsystem").exists()
    assert "guiding goals: 3, sub-goals: 5" in out.getvalue()


def test_update_adds_missing_goals_and_sub_goals_and_keeps_the_rest():
    conference = load_conference(data=tomllib.loads(FILE))
    kept = SubGoal.objects.get(title="Eltern kennen das Schulsystem")
    data = tomllib.loads(FILE)
    data["fields"][0]["guiding_goals"] = [
        {
            "title": "Alle Kinder haben gleiche Bildungschancen",
            "sub_goals": ["Eltern kennen das Schulsystem", "Kitas haben Sprachförderkräfte"],
        },
        {"title": "Erwachsene lernen berufsbegleitend Deutsch"},
    ]
    load_conference(data=data, update=True)
    assert tree(conference) == [
        (
            "Bildung, Erziehung & Sprache",
            0,
            "Alle Kinder haben gleiche Bildungschancen",
            [
                (0, "Jedes Kind spricht bei der Einschulung Deutsch"),
                (1, "Eltern kennen das Schulsystem"),
                (2, "Kitas haben Sprachförderkräfte"),
            ],
        ),
        ("Bildung, Erziehung & Sprache", 1, "Mehrsprachigkeit wird als Stärke anerkannt", []),
        ("Bildung, Erziehung & Sprache", 2, "Erwachsene lernen berufsbegleitend Deutsch", []),
    ]
    assert SubGoal.objects.get(title="Eltern kennen das Schulsystem").pk == kept.pk


def _goals(data):
    return data["fields"][0]["guiding_goals"]


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda d: d["fields"][0].update(guiding_goals="Bildungschancen"),
            "fields[0].guiding_goals: must be a list",
        ),
        (
            lambda d: _goals(d).append({"title": ""}),
            "fields[0].guiding_goals[2].title: is missing",
        ),
        (
            lambda d: _goals(d).append({"title": "X", "teilziele": ["Y"]}),
            "fields[0].guiding_goals[2]: unknown key 'teilziele'",
        ),
        (
            lambda d: _goals(d).append({"title": "Mehrsprachigkeit wird als Stärke anerkannt"}),
            "fields[0].guiding_goals[2].title: the guiding goal "
            "'Mehrsprachigkeit wird als Stärke anerkannt' is listed twice",
        ),
        (
            lambda d: _goals(d)[0].update(sub_goals="Eltern kennen das Schulsystem"),
            "fields[0].guiding_goals[0].sub_goals: must be a list of non-empty texts",
        ),
        (
            lambda d: _goals(d)[0]["sub_goals"].append("Eltern kennen das Schulsystem"),
            "fields[0].guiding_goals[0].sub_goals: 'Eltern kennen das Schulsystem' is listed twice",
        ),
        (
            lambda d: _goals(d).append({"title": "x" * 301}),
            "fields[0].guiding_goals[2].title: is longer than 300 characters",
        ),
        (lambda d: _goals(d).append(7), "fields[0].guiding_goals[2]: must be a title or a table"),
    ],
)
def test_a_broken_guiding_goal_is_named_and_nothing_is_created(change, message):
    data = tomllib.loads(FILE)
    change(data)
    before = counts()
    with pytest.raises(ServiceError) as info:
        load_conference(data=data)
    assert message in str(info.value.message)
    assert counts() == before == (0, 0, 0, 0)


def test_a_broken_update_adds_no_goal_at_all():
    conference = load_conference(data=tomllib.loads(FILE))
    data = tomllib.loads(FILE)
    _goals(data).append({"title": "Neu und gültig", "sub_goals": ["Ein Teilziel"]})
    data["fields"].append({"title": "Arbeit", "guiding_goals": [{"title": "A", "sub_goals": [1]}]})
    before = counts()
    with pytest.raises(ServiceError) as info:
        load_conference(data=data, update=True)
    assert "fields[2].guiding_goals[0].sub_goals" in str(info.value.message)
    assert counts() == before
    assert not GuidingGoal.objects.filter(title="Neu und gültig").exists()
    assert conference.fields.count() == 2
