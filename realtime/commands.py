"""Applying a socket command at most once: the receipt and the effect share a transaction.

Runs synchronously (the consumer calls it through ``database_sync_to_async``). The
services open their own atomic blocks, which nest here as savepoints: a refused command
rolls its savepoint back and only the receipt with the refusal is committed; an applied
one commits its writes, its event and its receipt together, and the event is published
on that commit.
"""
import logging

from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _

from realtime.models import CommandReceipt
from realtime.protocol import Command
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import Forum
from workshops.services import forums as forum_services
from workshops.services import items as item_services
from workshops.services import rounds as round_services
from workshops.services import votes as vote_services

log = logging.getLogger(__name__)


def _propose(actor: Actor, forum: Forum, f: dict):
    item = item_services.propose_item(
        actor=actor, forum=forum, field=f["field"], kind=f["kind"], text=f["text"], refs=f["refs"],
        details=f.get("details"),
    )
    return {"id": item.pk}


def _moderate(actor: Actor, forum: Forum, f: dict):
    action = f["action"]
    if action == "hide":
        item_services.hide_item(actor=actor, forum=forum, item=f["item"])
    elif action == "restore":
        item_services.restore_item(actor=actor, forum=forum, item=f["item"])
    elif action == "edit":
        item_services.edit_item(actor=actor, forum=forum, item=f["item"], text=f["text"])
    elif action == "merge":
        item_services.merge_items(actor=actor, forum=forum, item=f["item"], into=f["into"])
    elif action == "proposals":
        forum_services.set_proposals_open(actor=actor, forum=forum, open=f["open"])
    elif action == "open_round":
        options = {k: f[k] for k in ("method", "items", "field", "kind", "budget", "per_item", "secret", "allow_own", "veto")}
        return {"id": round_services.open_round(actor=actor, forum=forum, **options).pk}
    elif action == "close_round":
        round_services.close_round(actor=actor, forum=forum, round=f["round"])
    elif action == "reopen_round":
        return {"id": round_services.reopen_round(actor=actor, forum=forum, round=f["round"]).pk}
    elif action == "reveal_round":
        round_services.reveal_round(actor=actor, forum=forum, round=f["round"])
    elif action == "analog":
        round_services.add_analog_count(actor=actor, forum=forum, round=f["round"], item=f["item"],
                                        count=f["count"], value=f["value"], note=f["note"])
    elif action == "shortlist":
        item_services.shortlist_item(actor=actor, forum=forum, item=f["item"], shortlisted=f["shortlisted"])
    elif action == "adopt":
        item_services.adopt_item(actor=actor, forum=forum, item=f["item"], adopted=f["adopted"])
    elif action == "phase":
        forum_services.set_phase(actor=actor, forum=forum, phase=f["phase"])
    elif action == "timer":
        forum_services.start_timer(actor=actor, forum=forum, seconds=f["seconds"])
    elif action == "announce":
        forum_services.announce(actor=actor, forum=forum, text=f["text"])
    return None


def _vote(actor: Actor, forum: Forum, f: dict):
    # The command's savepoint (_execute_once) is the vote's: a refusal rolls back both.
    return vote_services.cast_vote(actor=actor, forum=forum, round=f["round"], item=f["item"], value=f["value"],
                                   savepoint=False)


HANDLERS = {"propose": _propose, "moderate": _moderate, "vote": _vote}


def answer_ok(result=None) -> dict:
    answer = {"ok": True}
    if result is not None:
        answer["result"] = result
    return answer


def answer_error(code: str, message) -> dict:
    return {"ok": False, "error": {"code": code, "message": str(message)}}


def execute(*, actor: Actor, sender: str, forum: Forum, command: Command, language: str) -> dict:
    """Apply ``command`` once for ``sender`` and return its answer (without the id).

    A repeat of a (sender, id) that has an answer gets that answer and changes nothing.
    """
    with translation.override(language):
        try:
            return _execute_once(actor=actor, sender=sender, forum=forum, command=command)
        except IntegrityError:
            # Another connection of the same sender committed the same id a moment ago.
            receipt = CommandReceipt.objects.filter(sender=sender, command_id=command.id).first()
            if receipt is None:
                raise
            return receipt.answer
        except (OperationalError, DatabaseError):
            log.exception("database unavailable while applying %s", command.type)
            return answer_error(
                "unavailable", _("The server cannot save right now. Your entry will be sent again shortly.")
            )


def _execute_once(*, actor: Actor, sender: str, forum: Forum, command: Command) -> dict:
    try:
        # The command's effect and its receipt, in one savepoint (or one transaction).
        with transaction.atomic():
            answer = _receipt(sender, command.id)
            if answer is not None:
                return answer
            answer = answer_ok(HANDLERS[command.type](actor, forum, command.fields))
            _store_receipt(sender, command.id, answer)
            return answer
    except ServiceError as exc:
        answer = answer_error(exc.code, exc.message)
    # Refused: all of it rolled back; only the receipt with the refusal is kept.
    with transaction.atomic():
        _store_receipt(sender, command.id, answer)
    return answer


# Every command reads and writes its receipt: plain statements, not ORM queries, since a
# room voting at once sends hundreds a second (same table, columns and JSON encoding).
_ANSWER = CommandReceipt._meta.get_field("answer")


def _receipt_sql() -> tuple[str, str]:
    quote, meta = connection.ops.quote_name, CommandReceipt._meta
    table = quote(meta.db_table)
    sender, command_id, answer, created = (quote(meta.get_field(n).column)
                                           for n in ("sender", "command_id", "answer", "created_at"))
    # nosec B608 below: only quoted table and column names from the model are formatted in;
    # every value is a %s parameter.
    return (
        f"SELECT {answer} FROM {table} WHERE {sender} = %s AND {command_id} = %s",  # nosec B608
        f"INSERT INTO {table} ({sender}, {command_id}, {answer}, {created}) VALUES (%s, %s, %s, %s)",  # nosec B608
    )


def _receipt(sender: str, command_id: str) -> dict | None:
    """The stored answer of (sender, id), or None for a command not seen before."""
    with connection.cursor() as cursor:
        cursor.execute(_receipt_sql()[0], [sender, command_id])
        row = cursor.fetchone()
    return None if row is None else _ANSWER.from_db_value(row[0], None, connection)


def _store_receipt(sender: str, command_id: str, answer: dict) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_receipt_sql()[1], [sender, command_id, _ANSWER.get_db_prep_save(answer, connection), now])


def execute_batch(entries: list[dict]) -> list[dict]:
    """Apply several commands (``execute``'s keyword arguments each) in one transaction,
    each in a savepoint of its own: a refusal or a conflict rolls back that command
    only. Returns their answers in order; they are valid once this returns (committed)."""
    answers: list[dict | None] = [None] * len(entries)
    try:
        with transaction.atomic():
            for n, entry in enumerate(entries):
                with translation.override(entry["language"]):
                    try:
                        answers[n] = _execute_once(
                            actor=entry["actor"], sender=entry["sender"], forum=entry["forum"], command=entry["command"]
                        )
                    except IntegrityError:
                        # The same sender's id committed meanwhile on another connection.
                        receipt = CommandReceipt.objects.filter(
                            sender=entry["sender"], command_id=entry["command"].id
                        ).first()
                        answers[n] = receipt.answer if receipt else answer_error(
                            "unavailable", _("The server cannot save right now. Your entry will be sent again shortly.")
                        )
    except (OperationalError, DatabaseError):
        log.exception("database unavailable while applying a batch of %d commands", len(entries))
        message = _("The server cannot save right now. Your entry will be sent again shortly.")
        return [answer_error("unavailable", message) for _ in entries]
    return answers
