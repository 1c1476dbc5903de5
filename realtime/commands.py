"""Applying socket commands at most once: a command's receipt (its first answer) is
committed with its effect, in one transaction for the commands that queued up together
(realtime/writer.py).

Runs synchronously (the writer calls it through ``database_sync_to_async``). A refused
command changes nothing and only its receipt with the refusal is committed; an applied
one commits its writes, its event and its receipt together, and the event is published
on that commit.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from realtime.models import CommandReceipt
from workshops.actors import Actor
from workshops.commands import ACTIONS
from workshops.exceptions import ServiceError
from workshops.models import Forum
from workshops.services import items as item_services
from workshops.services import votes as vote_services

log = logging.getLogger(__name__)


def _propose(actor: Actor, forum: Forum, f: dict):
    item = item_services.propose_item(
        actor=actor,
        forum=forum,
        field=f["field"],
        kind=f["kind"],
        text=f["text"],
        refs=f["refs"],
        details=f.get("details"),
        sub_goal=f.get("sub_goal"),
    )
    return {"id": item.pk}


def _moderate(actor: Actor, forum: Forum, f: dict):
    """A moderator action through its declaration (workshops/commands.py)."""
    values = {name: value for name, value in f.items() if name != "action"}
    action = ACTIONS[f["action"]]
    return action.result(action.apply(actor=actor, forum=forum, values=values))


def _own(actor: Actor, forum: Forum, f: dict):
    """A participant's own proposal: edit its text or withdraw it (docs/protocol.md)."""
    if f["action"] == "edit":
        item_services.edit_own_item(actor=actor, forum=forum, item=f["item"], text=f["text"])
        return None
    return {"id": item_services.withdraw_own_item(actor=actor, forum=forum, item=f["item"])}


def _vote(actor: Actor, forum: Forum, f: dict):
    # No savepoint of its own: a refused vote writes nothing (see cast_vote).
    return vote_services.cast_vote(
        actor=actor,
        forum=forum,
        round=f["round"],
        item=f["item"],
        value=f["value"],
        savepoint=False,
    )


HANDLERS = {"propose": _propose, "moderate": _moderate, "vote": _vote, "own": _own}


def answer_ok(result=None) -> dict:
    answer = {"ok": True}
    if result is not None:
        answer["result"] = result
    return answer


def answer_error(code: str, message) -> dict:
    return {"ok": False, "error": {"code": code, "message": str(message)}}


def answer_failed() -> dict:
    return answer_error(
        "invalid", _("This entry could not be saved. Please check it and send it again.")
    )


def answer_unavailable() -> dict:
    return answer_error(
        "unavailable", _("The server cannot save right now. Your entry will be sent again shortly.")
    )


def execute_batch(entries: list[dict]) -> list[dict]:
    """Apply the commands that queued up (each a dict of ``actor``, ``sender``, ``forum``,
    ``command`` and ``language``) in one transaction, at most once each, and return their
    answers in order; they hold once this returns (committed).

    First all at once (``_all_at_once``): the batch's receipts read in one statement and
    written in one, the votes without savepoints, and votes that follow each other cast
    together (``cast_votes``: a few statements for all of them). If that meets another
    writer (another process answered one of these commands meanwhile, a deadlock), all
    of it is rolled back and the batch applied again one command after the other, each
    in a savepoint with its own receipt (``_one_by_one``), where a conflict costs that
    command alone.
    The same happens when anything else goes wrong in the batch (a number the database
    cannot hold, a text its driver refuses, a fault in a service): one by one, the
    command that fails is rolled back to its savepoint and answered alone (logged), and
    every other command of the batch commits.
    A database that is away is not asked twice: every command is ``unavailable`` at once.
    """
    try:
        try:
            with transaction.atomic():
                return _all_at_once(entries)
        except Exception as exc:  # whatever it was, it costs one command only
            if _away(exc):
                raise
            log.warning(
                "a batch of %d commands is applied again one by one after %s",
                len(entries),
                type(exc).__name__,
            )
        with transaction.atomic():
            return _one_by_one(entries)
    except DatabaseError:
        log.exception("database unavailable while applying a batch of %d commands", len(entries))
        answers = []
        for entry in entries:
            with translation.override(entry["language"]):
                answers.append(answer_unavailable())
        return answers


def _away(exc: Exception) -> bool:
    """The database cannot be reached or used now (not: it refused this command)."""
    return isinstance(exc, (OperationalError, InterfaceError)) and not _conflict(exc)


def _conflict(exc: DatabaseError) -> bool:
    """Another writer got in the way: a unique or foreign key (another process was first),
    or PostgreSQL's transaction rollback class (a deadlock, a serialization failure)."""
    sqlstate = getattr(exc.__cause__, "sqlstate", None) or ""
    return isinstance(exc, IntegrityError) or sqlstate.startswith("40")


def _all_at_once(entries: list[dict]) -> list[dict]:
    keys = [(entry["sender"], entry["command"].id) for entry in entries]
    answers = _stored_answers(keys)
    fresh = {}
    # Votes one after the other are cast together (vote_services.cast_votes): a few
    # statements for all of them instead of five each. Any other command comes between
    # them in order, so the votes after it see what it changed.
    votes: dict[tuple[str, str], dict] = {}

    def cast_waiting_votes():
        if votes:
            results = vote_services.cast_votes(
                votes=[_vote_request(entry) for entry in votes.values()]
            )
            for (key, entry), result in zip(votes.items(), results, strict=False):
                with translation.override(entry["language"]):
                    answers[key] = fresh[key] = (
                        answer_error(result.code, result.message)
                        if isinstance(result, ServiceError)
                        else answer_ok(result)
                    )
            votes.clear()

    for key, entry in zip(keys, entries, strict=False):
        if key in answers or key in votes:  # answered before, or sent twice in this batch
            continue
        if entry["command"].type == "vote":
            votes[key] = entry
            continue
        cast_waiting_votes()
        with translation.override(entry["language"]):
            answers[key] = fresh[key] = _apply(entry)
    cast_waiting_votes()
    _store_answers(fresh)
    return [answers[key] for key in keys]


def _vote_request(entry: dict) -> vote_services.VoteRequest:
    f = entry["command"].fields
    return vote_services.VoteRequest(
        entry["actor"], entry["forum"], f["round"], f["item"], f["value"]
    )


def _handle(entry: dict) -> dict:
    command = entry["command"]
    return answer_ok(HANDLERS[command.type](entry["actor"], entry["forum"], command.fields))


def _apply(entry: dict) -> dict:
    try:
        if entry["command"].type == "vote":
            return _handle(entry)
        with transaction.atomic():
            return _handle(entry)
    except ServiceError as exc:
        return answer_error(exc.code, exc.message)


def _one_by_one(entries: list[dict]) -> list[dict]:
    answers = []
    for entry in entries:
        with translation.override(entry["language"]):
            try:
                answers.append(_execute_once(entry))
            except IntegrityError:
                # The same sender's id committed meanwhile on another connection.
                key = (entry["sender"], entry["command"].id)
                answers.append(_stored_answers([key]).get(key) or answer_unavailable())
            except Exception as exc:  # this command alone; the others go on
                if _away(exc):
                    raise
                # Rolled back to its savepoint, no receipt (storing it may be what failed):
                # a retry is tried afresh.
                log.exception("a %s command failed", entry["command"].type)
                answers.append(answer_failed())
    return answers


def _execute_once(entry: dict) -> dict:
    key = (entry["sender"], entry["command"].id)
    try:
        # The command's effect and its receipt, in one savepoint.
        with transaction.atomic():
            stored = _stored_answers([key])
            if key in stored:
                return stored[key]
            answer = _handle(entry)
            _store_answers({key: answer})
            return answer
    except ServiceError as exc:
        answer = answer_error(exc.code, exc.message)
    # Refused: all of it rolled back; only the receipt with the refusal is kept.
    with transaction.atomic():
        _store_answers({key: answer})
    return answer


# Every command reads and writes its receipt: plain statements, not ORM queries, since a
# room voting at once sends hundreds a second (same table, columns and JSON encoding).
_ANSWER = CommandReceipt._meta.get_field("answer")


def _receipt_table() -> tuple[str, str, str, str, str]:
    quote, meta = connection.ops.quote_name, CommandReceipt._meta
    return quote(meta.db_table), *(
        quote(meta.get_field(n).column) for n in ("sender", "command_id", "answer", "created_at")
    )


def _stored_answers(keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """The stored answers of those (sender, id) pairs that have one."""
    table, sender, command_id, answer, _created = _receipt_table()
    pairs = ", ".join(["(%s, %s)"] * len(keys))
    with connection.cursor() as cursor:
        # Only quoted names from the model are formatted in (nosec below); values are parameters.
        cursor.execute(
            f"SELECT {sender}, {command_id}, {answer} FROM {table} "  # nosec B608
            f"WHERE ({sender}, {command_id}) IN ({pairs})",
            [value for key in keys for value in key],
        )
        return {
            (row[0], row[1]): _ANSWER.from_db_value(row[2], None, connection)
            for row in cursor.fetchall()
        }


def _store_answers(answers: dict[tuple[str, str], dict]) -> None:
    if not answers:
        return
    table, sender, command_id, answer, created = _receipt_table()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(answers))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({sender}, {command_id}, {answer}, {created}) VALUES {rows}",  # nosec B608
            [
                value
                for (who, command), stored in answers.items()
                for value in (who, command, _ANSWER.get_db_prep_save(stored, connection), now)
            ],
        )


# Receipts deleted at most per pruning: one short statement, whatever has piled up.
PRUNE_AT_MOST = 5000


def prune_receipts(now=None) -> int:
    """Delete receipts older than ``COMMAND_RECEIPT_RETENTION_HOURS`` (at most
    ``PRUNE_AT_MOST`` of them, the oldest first; by the index on ``created_at``). A command
    sent again after that is applied as a new one. Returns how many were deleted."""
    hours = settings.COMMAND_RECEIPT_RETENTION_HOURS
    if not hours:
        return 0
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    old = CommandReceipt.objects.filter(created_at__lt=cutoff).order_by("created_at")
    ids = list(old.values_list("pk", flat=True)[:PRUNE_AT_MOST])
    if ids:
        CommandReceipt.objects.filter(pk__in=ids).delete()
    return len(ids)
