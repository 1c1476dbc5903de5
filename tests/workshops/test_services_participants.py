import pytest

from tests.factories import make_conference
from workshops.exceptions import ServiceError
from workshops.models import Participant
from workshops.services.participants import join_conference

pytestmark = pytest.mark.django_db


def test_join_without_anything_creates_an_anonymous_participant():
    conference = make_conference()
    participant = join_conference(conference=conference)
    assert (participant.display_name, participant.group, participant.language) == ("", "", "")


def test_join_again_updates_the_same_participant_and_tidies_the_name():
    conference = make_conference()
    first = join_conference(conference=conference, name="Ayşe")
    again = join_conference(
        conference=conference,
        participant=first,
        name="  Ayşe   K. ",
        group="Verwaltung",
        language="ar",
    )
    assert again.pk == first.pk
    assert (again.display_name, again.group, again.language) == ("Ayşe K.", "Verwaltung", "ar")
    assert Participant.objects.count() == 1


def test_a_participant_of_another_conference_joins_this_one_anew():
    elsewhere = join_conference(conference=make_conference())
    conference = make_conference()
    here = join_conference(conference=conference, participant=elsewhere)
    assert here.pk != elsewhere.pk and here.conference == conference


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"group": "Unbekannt"}, "group"),
        ({"language": "fr"}, "language"),
        ({"name": "x" * 61}, "name"),
    ],
)
def test_refusals_name_the_field_and_create_nothing(kwargs, field):
    conference = make_conference()
    with pytest.raises(ServiceError) as info:
        join_conference(conference=conference, **kwargs)
    assert (info.value.code, info.value.field) == ("invalid", field)
    assert Participant.objects.count() == 0


def test_without_configured_languages_german_and_english_are_offered():
    conference = make_conference(languages=[])
    assert join_conference(conference=conference, language="en").language == "en"
    with pytest.raises(ServiceError):
        join_conference(conference=conference, language="tr")
