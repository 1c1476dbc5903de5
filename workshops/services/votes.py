"""Casting, changing and withdrawing a vote.

Votes do not bump the forum's rev and are not forum events: at the moment a round
opens, hundreds of votes a second arrive, and their effect reaches clients as coalesced
tallies (realtime/tally.py), computed from the database. The voter's own ballot comes
back in the ack.

Limits hold in the database, not in Python: one vote per (round, participant, option) is
a unique constraint, and a dots budget is spent on the participant's ``Ballot`` row,
locked for the transaction and changed with a conditional UPDATE (``cast_vote``) or
checked while it is locked (``cast_votes``, the votes a socket's batch brings), so a
participant firing votes from several tabs at several server processes cannot overspend.
"""

from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workshops import rules
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.methods import PASSIVE_OPTION, VotingMethod, filled, method_of
from workshops.models import Ballot, Forum, Item, Participant, Round, Vote, VotingCard
from workshops.selectors import holds_card
from workshops.services.events import tally_changed


def _as_int(value, message):
    if isinstance(value, bool):
        raise ServiceError(ServiceError.INVALID, message)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ServiceError(ServiceError.INVALID, message) from None


class RoundFacts(NamedTuple):
    """What a vote is checked against: a round as it is now (``_rounds_facts``)."""

    forum_id: int
    method: VotingMethod
    status: str
    budget: int | None
    per_item: int | None
    allow_own: bool
    requires_cards: bool  # its forum's card rule
    items: dict[int, tuple[str, int | None]]  # its items: id -> (status, author id)


class _Accepted(NamedTuple):
    """A vote of a batch that names a round and an option, by a participant."""

    index: int
    participant: Participant
    forum: Forum
    round_id: int
    option: int
    value: object


class _Checked(NamedTuple):
    """A vote of a batch that passed every check but the budget's."""

    index: int
    participant: Participant
    forum_id: int
    round_id: int
    option: int
    value: int | None
    round: RoundFacts


def _votes(cursor, round_id: int, participant_id: int) -> dict[str, int]:
    """The participant's votes in the round: option (as a string) -> value, by option."""
    cursor.execute(_sql().mine, [round_id, participant_id])
    return {str(option): value for option, value in cursor.fetchall()}


def _by_option(votes: dict[str, int]) -> dict[str, int]:
    return dict(sorted(votes.items(), key=lambda kv: int(kv[0])))


def cast_vote(*, actor: Actor, forum: Forum, round, item, value, savepoint: bool = True) -> dict:
    """Set the actor's vote on one option of an open round; ``value=None`` withdraws it.

    Precondition: a participant of the forum's conference; the round is open and in this
    forum; the option is one of its items still shown (or the Passivlösung of a consent
    round); the value is in the method's range; dots stay within ``per_item`` and the
    budget; dots on one's own proposal only if the round allows it. Returns the
    participant's ballot in this round (``my_ballot``) and schedules a tally.

    This is the path hundreds of phones take at once when a round opens, so it speaks
    SQL directly (statements built once from the models, ``_sql``): at most five
    statements a vote (six on PostgreSQL, which share-locks the round first, see
    ``_rounds_facts``) where the ORM took fourteen and most of the time compiling them.

    A refusal changes nothing: every check comes before the first write, except the
    budget's, and what precedes that one writes nothing new (the ballot it locks exists
    already when points can run short: a fresh ballot has the whole budget, and
    ``per_item`` is at most the budget). Atomic by default; ``savepoint=False`` runs in
    the caller's transaction without a savepoint of its own, two statements (on
    PostgreSQL, two round trips) less for the votes that queued up on a socket
    (realtime/commands.py). A database error then leaves the caller's transaction to
    roll back.
    """
    if savepoint:
        with transaction.atomic():
            return _cast_vote(actor, forum, round, item, value)
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "cast_vote(savepoint=False) needs the caller's transaction"
        )
    return _cast_vote(actor, forum, round, item, value)


def _cast_vote(actor: Actor, forum: Forum, round, item, value) -> dict:
    participant = actor.participant
    if participant is None or not rules.is_participant(actor, forum.conference_id):
        raise ServiceError(
            ServiceError.FORBIDDEN, _("Join this forum with its code before you vote.")
        )
    round_id = _as_int(round, _("This voting round does not exist."))
    option = _as_int(item, _("This item is not part of this voting round."))
    sql = _sql()
    with connection.cursor() as cursor:
        # The round, its forum's card rule and its items, as they are now.
        facts = _facts_of(_rounds_facts(cursor, sql, {round_id}), forum.pk, round_id)
        value = _checked_value(facts, forum, participant, option, value)
        method, budget = facts.method, facts.budget

        key = [round_id, participant.pk, option]
        if method.spends_points:
            # The ballot is locked first, so these votes are read as they stay until commit.
            votes = _spend_points(cursor, sql, key, budget, value)
        if value is None:
            cursor.execute(sql.delete_vote, key)
        else:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(sql.upsert_vote, [*key, value, participant.group, now])
        if method.spends_points:
            votes.pop(str(option), None)
            if value is not None:
                votes[str(option)] = value
            votes = _by_option(votes)
        else:
            votes = _votes(cursor, round_id, participant.pk)
        ballot = method.ballot(votes, budget)

    tally_changed(forum_id=forum.pk, round_id=round_id)
    return ballot


def _checked_value(
    facts: RoundFacts | None, forum: Forum, participant, option: int, value, card_holders=None
):
    """The value to store once the vote passed every check but the budget's; raises the
    refusal. ``facts``: the round as it is now (``_facts_of``), or None when the round is
    not in this forum. ``card_holders``: the (forum id, participant id) pairs known to
    hold a voting card (``_card_holders``); without it the card is read."""
    if facts is None:
        raise ServiceError(
            ServiceError.NOT_FOUND, _("This voting round does not exist in this forum.")
        )
    method = facts.method
    if facts.requires_cards:
        if card_holders is not None:
            held = (forum.pk, participant.pk) in card_holders
        else:
            held = holds_card(forum, participant.pk)
        if not held:
            raise ServiceError(
                ServiceError.FORBIDDEN,
                _("Voting here needs a voting card. Scan yours or type its code."),
            )
    if facts.status != Round.Status.OPEN:
        raise ServiceError(ServiceError.CLOSED, _("This voting round is closed."))
    if not (method.passive_option and option == PASSIVE_OPTION):
        item = facts.items.get(option)
        if item is None:
            raise ServiceError(
                ServiceError.INVALID, _("This item is not part of this voting round.")
            )
        item_status, author_id = item
        if item_status != Item.Status.VISIBLE:
            raise ServiceError(
                ServiceError.INVALID, _("This item is no longer shown, so it cannot get votes.")
            )
        method.check_option(facts.allow_own, author_id, participant)
    if value is not None:
        value = _as_int(value, _("This vote is not valid."))
    return method.check_value(value, per_item=facts.per_item)


class VoteRequest(NamedTuple):
    """One vote of a batch: ``cast_vote``'s arguments."""

    actor: Actor
    forum: Forum
    round: object
    item: object
    value: object


def cast_votes(*, votes: list[VoteRequest]) -> list:
    """The votes that queued up together, in order, in the caller's transaction: for each,
    the ballot ``cast_vote(savepoint=False)`` would return at that point of the sequence,
    or the ``ServiceError`` it would raise. A refused vote changes nothing.

    Same checks and limits as ``cast_vote``, in a handful of statements for the whole
    batch instead of five a vote (on PostgreSQL each is a round trip, which is where a
    burst over two processes spent its time): the rounds share-locked (PostgreSQL) and
    their facts read at once; the dots ballots of everyone in the batch created if need
    be and locked in one statement, in the order of (round, participant), so that two
    processes locking theirs wait for each other at most, never deadlock (the caller
    applies a batch one vote at a time when it meets a deadlock all the same); the
    voters' votes read after that; then every vote checked against its ballot in turn,
    in Python, exact because the ballots stay locked until commit; and the changes
    written at the end: the ballots' points, the votes set and the votes withdrawn, a
    statement each. The voting cards of the voters in forums that need them are read
    in one query.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("cast_votes needs the caller's transaction")
    results: list = [None] * len(votes)
    accepted: list[_Accepted] = []
    for n, (actor, forum, round_, item, value) in enumerate(votes):
        participant = actor.participant
        try:
            if participant is None or not rules.is_participant(actor, forum.conference_id):
                raise ServiceError(
                    ServiceError.FORBIDDEN, _("Join this forum with its code before you vote.")
                )
            round_id = _as_int(round_, _("This voting round does not exist."))
            option = _as_int(item, _("This item is not part of this voting round."))
        except ServiceError as refusal:
            results[n] = refusal
            continue
        accepted.append(_Accepted(n, participant, forum, round_id, option, value))
    if not accepted:
        return results
    sql = _sql()
    with connection.cursor() as cursor:
        rounds = _rounds_facts(cursor, sql, {a.round_id for a in accepted})
        holders = _card_holders(rounds, accepted)
        checked: list[_Checked] = []
        for n, participant, forum, round_id, option, value in accepted:
            facts = _facts_of(rounds, forum.pk, round_id)
            try:
                value = _checked_value(facts, forum, participant, option, value, holders)
            except ServiceError as refusal:
                results[n] = refusal
                continue
            checked.append(_Checked(n, participant, forum.pk, round_id, option, value, facts))
        if not checked:
            return results
        ballots = _lock_ballots(
            cursor,
            sql,
            sorted(
                {(c.round_id, c.participant.pk) for c in checked if c.round.method.spends_points}
            ),
        )
        held = _votes_of(cursor, sql, {(c.round_id, c.participant.pk) for c in checked})
        spent: dict[int, int] = {}  # ballot id -> points used, where they changed
        written: dict[
            tuple[int, int, int], tuple
        ] = {}  # (round, participant, option) -> value, group
        marked = set()
        for n, participant, forum_id, round_id, option, value, facts in checked:
            mine = held[(round_id, participant.pk)]
            method, budget = facts.method, facts.budget
            if method.spends_points:
                ballot_id, used = ballots[(round_id, participant.pk)]
                used = spent.get(ballot_id, used)
                delta = (value or 0) - mine.get(str(option), 0)
                if delta > 0 and used + delta > budget:
                    results[n] = _short_of_points(used, budget)
                    continue
                if delta:
                    spent[ballot_id] = used + delta
            mine.pop(str(option), None)
            if value is not None:
                mine[str(option)] = value
            written[(round_id, participant.pk, option)] = (value, participant.group)
            results[n] = method.ballot(_by_option(mine), budget)
            marked.add((forum_id, round_id))
        _write(cursor, sql, spent, written)

    for forum_id, round_id in sorted(marked):
        tally_changed(forum_id=forum_id, round_id=round_id)
    return results


def _rounds_facts(cursor, sql, round_ids: set[int]) -> dict[int, RoundFacts]:
    """Round id -> the round as it is now (``RoundFacts``).

    On PostgreSQL the rounds are share-locked first, until commit, and the facts read
    after that: a moderator closing a round or merging one of its items locks the round
    for update, so these votes either commit before that change reads anything (the
    adoption decided at closing counts them) or wait for it and see it (a closed round
    refuses them). Two statements, because a locking read that waited returns the rows
    joined to the locked one as they were when it began (a merge changes the round's
    items, not the round). SQLite needs neither: its transactions here are IMMEDIATE,
    one writer at a time."""
    ids = sorted(round_ids)
    marks = ", ".join(["%s"] * len(ids))
    # Sent together they still run one after the other, each with a snapshot of its own:
    # the read's is taken once the lock is granted.
    lock = [(sql.lock_rounds % marks, ids)] if sql.lock_rounds else []
    _execute(cursor, sql, [*lock, (sql.rounds_facts % marks, ids)])
    rounds: dict[int, RoundFacts] = {}
    for row in cursor.fetchall():
        round_id, forum_id, method, status, budget, per_item, allow_own, cards = row[:8]
        item_id, item_status, author_id = row[8:]
        facts = rounds.get(round_id)
        if facts is None:
            facts = rounds[round_id] = RoundFacts(
                forum_id, method_of(method), status, budget, per_item, allow_own, cards, {}
            )
        if item_id is not None:
            facts.items[item_id] = (item_status, author_id)
    return rounds


def _card_holders(rounds: dict[int, RoundFacts], accepted: list[_Accepted]) -> set[tuple[int, int]]:
    """(forum id, participant id) of the batch's voters in forums that need voting cards
    who hold one: one query for the batch, none when no such forum is in it."""
    wanted = {
        (a.forum.pk, a.participant.pk)
        for a in accepted
        if a.round_id in rounds and rounds[a.round_id].requires_cards
    }
    if not wanted:
        return set()
    found = VotingCard.objects.filter(
        forum_id__in={f for f, _p in wanted}, participant_id__in={p for _f, p in wanted}
    )
    return wanted & set(found.values_list("forum_id", "participant_id"))


def _facts_of(rounds: dict[int, RoundFacts], forum_id: int, round_id: int) -> RoundFacts | None:
    """The round a vote names, from ``_rounds_facts``; None when it is not in this forum."""
    facts = rounds.get(round_id)
    if facts is None or facts.forum_id != forum_id:
        return None
    return facts


def _lock_ballots(
    cursor, sql, keys: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, int]]:
    """(round, participant) -> (ballot id, points used), each ballot created if need be
    and locked until commit, in the order of ``keys``."""
    if not keys:
        return {}
    cursor.execute(
        sql.ballots % ", ".join(["(%s, %s, 0)"] * len(keys)), [v for key in keys for v in key]
    )
    return {
        (round_id, participant_id): (ballot_id, used)
        for ballot_id, round_id, participant_id, used in cursor.fetchall()
    }


def _votes_of(cursor, sql, keys: set[tuple[int, int]]) -> dict[tuple[int, int], dict[str, int]]:
    """(round, participant) -> that participant's votes in the round (option as a string
    -> value)."""
    keys = sorted(keys)
    cursor.execute(
        sql.theirs % ", ".join(["(%s, %s)"] * len(keys)), [v for key in keys for v in key]
    )
    held: dict[tuple[int, int], dict[str, int]] = {key: {} for key in keys}
    for round_id, participant_id, option, value in cursor.fetchall():
        held[(round_id, participant_id)][str(option)] = value
    return held


def _write(cursor, sql, spent: dict[int, int], written: dict[tuple[int, int, int], tuple]) -> None:
    """The batch's changes: points used per ballot; each (round, participant, option)'s
    last value, set or withdrawn (None). On PostgreSQL in one round trip."""
    statements = []  # (statement, parameters)
    if spent:
        ids = sorted(spent)
        statements.append(
            (
                sql.set_used
                % (" ".join(["WHEN %s THEN %s"] * len(ids)), ", ".join(["%s"] * len(ids))),
                [v for ballot_id in ids for v in (ballot_id, spent[ballot_id])] + ids,
            )
        )
    withdrawn = [key for key, (value, _group) in written.items() if value is None]
    if withdrawn:
        statements.append(
            (
                sql.withdraw % ", ".join(["(%s, %s, %s)"] * len(withdrawn)),
                [v for key in withdrawn for v in key],
            )
        )
    kept = [(key, value, group) for key, (value, group) in written.items() if value is not None]
    if kept:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        statements.append(
            (
                sql.upsert_votes % ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(kept)),
                [v for key, value, group in kept for v in (*key, value, group, now)],
            )
        )
    _execute(cursor, sql, statements)


def _execute(cursor, sql, statements: list[tuple[str, list]]) -> None:
    """Run the (statement, parameters) pairs in order, on PostgreSQL in one round trip;
    the cursor is left at the last one's rows."""
    if sql.several_at_once and len(statements) > 1:
        cursor.execute(
            "; ".join(s for s, _p in statements), [v for _s, params in statements for v in params]
        )
        for _ in statements[1:]:
            cursor.nextset()
        return
    for statement, params in statements:
        cursor.execute(statement, params)


def _short_of_points(used: int, budget: int) -> ServiceError:
    return ServiceError(
        ServiceError.BUDGET,
        filled(
            _("Not enough points left: you have %(left)d of %(budget)d."),
            {"left": budget - used, "budget": budget},
        ),
    )


def _spend_points(cursor, sql, key: list, budget: int, value) -> dict:
    """Book the change of points on the participant's ballot, or refuse it; returns the
    participant's votes in the round as they were before this one.

    The ballot row is created if need be and locked in one statement (an upsert locks
    the row on PostgreSQL; SQLite writes one transaction at a time anyway), so this
    participant's votes in this round run one at a time on every server process; the
    conditional UPDATE keeps the budget even so."""
    round_id, participant_id, option = key
    cursor.execute(sql.ballot, [round_id, participant_id])
    ballot_id, _round, _participant, used = cursor.fetchone()
    votes = _votes(cursor, round_id, participant_id)
    delta = (value or 0) - votes.get(str(option), 0)
    if delta > 0:
        cursor.execute(sql.spend, [delta, ballot_id, budget - delta])
        if cursor.rowcount != 1:
            raise _short_of_points(used, budget)
    elif delta < 0:
        cursor.execute(sql.refund, [delta, ballot_id])
    return votes


class _Statements:
    """The vote path's SQL, from the models' tables and columns, quoted for the database."""

    def __init__(self, vendor, quote, several_at_once=False):
        def table(model):
            return quote(model._meta.db_table)

        def col(model, name):
            return quote(model._meta.get_field(name).column)

        through = Round.items.through
        r, f, i, ri = table(Round), table(Forum), table(Item), table(through)
        b, v = table(Ballot), table(Vote)
        ri_round, ri_item = col(through, "round"), col(through, "item")
        v_round, v_participant, v_option = (
            col(Vote, "round"),
            col(Vote, "participant"),
            col(Vote, "option"),
        )
        v_value, v_group, v_updated = (
            col(Vote, "value"),
            col(Vote, "group"),
            col(Vote, "updated_at"),
        )
        b_round, b_participant, b_used = (
            col(Ballot, "round"),
            col(Ballot, "participant"),
            col(Ballot, "used"),
        )
        pk = quote("id")
        # nosec B608 below: only quoted table and column names from the models are formatted
        # in; every value is a %s parameter.
        self.spend = f"UPDATE {b} SET {b_used} = {b_used} + %s WHERE {pk} = %s AND {b_used} <= %s"  # nosec B608
        self.refund = f"UPDATE {b} SET {b_used} = {b_used} + %s WHERE {pk} = %s"  # nosec B608
        where = f"{v_round} = %s AND {v_participant} = %s"
        self.delete_vote = f"DELETE FROM {v} WHERE {where} AND {v_option} = %s"  # nosec B608
        self.mine = f"SELECT {v_option}, {v_value} FROM {v} WHERE {where} ORDER BY {v_option}"  # nosec B608
        # Many rows at once (cast_votes): each ``%s`` of these is filled with as many
        # parameter placeholders as there are rows.
        self.rounds_facts = (
            f"SELECT r.{pk}, r.{col(Round, 'forum')}, r.{col(Round, 'method')}, "  # nosec B608
            f"r.{col(Round, 'status')}, "
            f"r.{col(Round, 'budget')}, r.{col(Round, 'per_item')}, r.{col(Round, 'allow_own')}, "
            f"fo.{col(Forum, 'requires_cards')}, ri.{ri_item}, "
            f"it.{col(Item, 'status')}, it.{col(Item, 'author')} "
            f"FROM {r} r JOIN {f} fo ON fo.{pk} = r.{col(Round, 'forum')} "
            f"LEFT JOIN {ri} ri ON ri.{ri_round} = r.{pk} "
            f"LEFT JOIN {i} it ON it.{pk} = ri.{ri_item} "
            f"WHERE r.{pk} IN (%s)"
        )
        # PostgreSQL with client-side binding (Django's default) takes several statements
        # in one execute: one round trip for them.
        self.several_at_once = several_at_once
        self.lock_rounds = (
            f"SELECT {pk} FROM {r} WHERE {pk} IN (%s) ORDER BY {pk} FOR SHARE"  # nosec B608
            if vendor == "postgresql"
            else None
        )
        self.ballots = (
            f"INSERT INTO {b} ({b_round}, {b_participant}, {b_used}) VALUES %s "  # nosec B608
            f"ON CONFLICT ({b_round}, {b_participant}) DO UPDATE SET {b_used} = {b}.{b_used} "
            f"RETURNING {pk}, {b_round}, {b_participant}, {b_used}"
        )
        self.theirs = (
            f"SELECT {v_round}, {v_participant}, {v_option}, {v_value} FROM {v} "  # nosec B608
            f"WHERE ({v_round}, {v_participant}) IN (%s) ORDER BY {v_option}"
        )
        self.set_used = f"UPDATE {b} SET {b_used} = CASE {pk} %s END WHERE {pk} IN (%s)"  # nosec B608
        self.withdraw = f"DELETE FROM {v} WHERE ({v_round}, {v_participant}, {v_option}) IN (%s)"  # nosec B608
        self.upsert_votes = (
            f"INSERT INTO {v} ({v_round}, {v_participant}, {v_option}, "  # nosec B608
            f"{v_value}, {v_group}, {v_updated}) "
            f"VALUES %s "
            f"ON CONFLICT ({v_round}, {v_participant}, {v_option}) DO UPDATE SET "
            f"{v_value} = excluded.{v_value}, {v_group} = excluded.{v_group}, "
            f"{v_updated} = excluded.{v_updated}"
        )
        # One row (cast_vote): the ballot created if need be and locked; the vote set.
        self.ballot = self.ballots % "(%s, %s, 0)"
        self.upsert_vote = self.upsert_votes % "(%s, %s, %s, %s, %s, %s)"


_statements: dict[str, _Statements] = {}


def _sql() -> _Statements:
    vendor = connection.vendor
    if vendor not in _statements:
        several = vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get(
            "server_side_binding"
        )
        _statements[vendor] = _Statements(vendor, connection.ops.quote_name, several)
    return _statements[vendor]
