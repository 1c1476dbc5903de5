"""Any sequence of votes, changes and withdrawals: the tally equals a recount of what
each person holds, and no limit is ever exceeded."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from workshops.exceptions import ServiceError
from workshops.models import Ballot, Vote
from workshops.selectors import round_totals
from workshops.services.items import propose_item
from workshops.services.rounds import open_round
from workshops.services.votes import cast_vote

PEOPLE, ITEMS = 3, 4
METHODS = {
    "support": st.one_of(st.none(), st.just(1)),
    "dots": st.one_of(st.none(), st.integers(-1, 4)),
    "consent": st.one_of(st.none(), st.integers(-1, 11)),
    "adoption": st.one_of(st.none(), st.integers(-2, 2)),
}
steps = st.lists(
    st.tuples(
        st.integers(0, PEOPLE - 1), st.integers(0, ITEMS - 1), st.integers(-5, 12) | st.none()
    ),
    max_size=25,
)


@pytest.mark.django_db
@pytest.mark.parametrize("method", sorted(METHODS))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=steps)
def test_tallies_equal_a_recount_and_limits_hold(method, sequence):
    forum = make_forum()
    field = forum.fields.first()
    mod = moderator_actor(make_moderator(forum.conference))
    author = participant_actor(make_participant(forum.conference))
    items = [
        propose_item(actor=author, forum=forum, field=field.pk, kind="goal", text=f"Z {n}").pk
        for n in range(ITEMS)
    ]
    round_ = open_round(actor=mod, forum=forum, method=method, kind="goal", budget=3, per_item=2)
    people = [
        participant_actor(make_participant(forum.conference, group=g))
        for g in ("Verwaltung", "Politik", "")
    ]
    held: dict[tuple[int, int], int] = {}
    for person, item, value in sequence:
        try:
            cast_vote(
                actor=people[person], forum=forum, round=round_.pk, item=items[item], value=value
            )
        except ServiceError:
            continue  # refused: must have changed nothing, checked by the recount below
        if value is None:
            held.pop((person, item), None)
        else:
            held[(person, item)] = value
    # the model's own ledger matches what we applied
    stored = {
        (people.index(next(p for p in people if p.participant.pk == pid)), items.index(opt)): v
        for pid, opt, v in Vote.objects.filter(round=round_).values_list(
            "participant", "option", "value"
        )
    }
    assert stored == held
    totals = round_totals(round_)["totals"]
    for n, item in enumerate(items):
        values = [v for (p, i), v in held.items() if i == n]
        tally = totals[str(item)]
        if method == "support":
            assert tally == {"support": len(values)}
        elif method == "dots":
            assert tally == {"dots": sum(values)}
            assert all(1 <= v <= 2 for v in values)
        elif method == "consent":
            assert tally["resistance"] == sum(values) and tally["votes"] == len(values)
        else:
            assert tally == {
                "yes": values.count(1),
                "no": values.count(-1),
                "abstain": values.count(0),
            }
    if method == "dots":
        for p in range(PEOPLE):
            spent = sum(v for (q, _), v in held.items() if q == p)
            assert spent <= 3
            ballot = Ballot.objects.filter(round=round_, participant=people[p].participant).first()
            assert (ballot.used if ballot else 0) == spent
