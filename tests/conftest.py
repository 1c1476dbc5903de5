import pytest

from tests.factories import make_forum, make_moderator, make_participant


@pytest.fixture
def forum(db):
    return make_forum()


@pytest.fixture
def participant(forum):
    return make_participant(forum.conference, display_name="Ayşe", group="Migrantenorganisation")


@pytest.fixture
def moderator(forum):
    return make_moderator(forum.conference)
