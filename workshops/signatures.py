"""The duplicate finder's stored side: what makes the console's suggestions and a phone's
look-up cost a bounded amount, whatever the size of the forum (docs/performance.md,
"Duplicate suggestions").

- When an item is written (proposed, edited, restored, carried over), the service that
  writes it calls ``index_item`` in the same transaction: the item's signature
  (``similarity.signature``: its units and near concepts) and its index keys are stored,
  and the item is scored against at most ``SIMILAR_CANDIDATES`` items of its forum and
  kind, those sharing most keys with it; its likely duplicates (at most
  ``STORED_MATCHES``) are stored as ``SimilarPair`` rows. A hidden or merged item loses
  its signature, keys and pairs (the same call), so neither the console nor a phone
  meets it.
- The console reads the stored pairs (``suggestions``): one query, nothing compared.
- A look-up (``lookup``) computes the signature of the typed text only, finds the
  candidates through the index and scores at most ``SIMILAR_CANDIDATES`` of them.

The scores are exactly ``similarity.score``'s; what is bounded is which items are scored.
"""

from django.conf import settings
from django.db import connection

from workshops import similarity

# Likely duplicates kept per written item, best first; the console shows three per item.
STORED_MATCHES = 5
# Items sharing less of their index keys with a text are not scored. Every pair the
# tuning examples (tests/workshops/test_similarity.py) suggest shares at least 6 % (a
# misspelt word meeting a concept), a reworded proposal 40 % and more; two unrelated
# proposals of invented words (bench/similarity.py) share under 3 %.
MIN_SHARE = 0.05
# An item is indexed by the SKETCH smallest of its keys (a bottom-k sketch, as MinHash
# does): all keys of a short text, a fair sample of a long one's, whose share of keys
# met estimates the share of the whole sets. So a text of 500 characters costs 64 rows,
# not 350, and a look-up reads a few hundred rows in a forum of 500 such items.
SKETCH = 64


def sketch(keys: set[int]) -> list[int]:
    return sorted(keys)[:SKETCH]


VISIBLE = "visible"


def _models(models):
    if models is not None:
        return models
    from workshops import models as live

    return live


def _candidates(
    models, forum_id: int, keys: list[int], wanted: int, *, exclude: int | None = None
) -> list[int]:
    """The ids of at most ``SIMILAR_CANDIDATES`` shown items of the forum that share the
    largest part of their index keys with the ``wanted`` keys of a text (Jaccard of the
    two key sets), leaving out those that share less than ``MIN_SHARE``.

    One query, written out: the ORM would spend longer building it than the database
    takes to answer it (a look-up of any kind sends 3 × ``SKETCH`` keys)."""
    if not keys:
        return []
    qn = connection.ops.quote_name
    share = "COUNT(*) * 1.0 / (MAX(g.size) + %s - COUNT(*))"
    # Only quoted names from the models are formatted in; every value is a parameter.
    sql = (
        f"SELECT s.signature_id, {share} AS share"  # nosec B608
        f" FROM {qn(models.ItemShingle._meta.db_table)} s"
        f" JOIN {qn(models.ItemSignature._meta.db_table)} g ON g.item_id = s.signature_id"
        f" WHERE s.forum_id = %s AND s.{qn('key')} IN ({', '.join(['%s'] * len(keys))})"
        + (" AND s.signature_id <> %s" if exclude is not None else "")
        + f" GROUP BY s.signature_id HAVING {share} >= %s"
        " ORDER BY share DESC, s.signature_id LIMIT %s"
    )
    params = [
        wanted,
        forum_id,
        *keys,
        *([exclude] if exclude is not None else []),
        wanted,
        MIN_SHARE,
        settings.SIMILAR_CANDIDATES,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _prepared(models, ids: list[int]) -> dict[int, object]:
    rows = models.ItemSignature.objects.filter(pk__in=ids).values_list("pk", "data")
    return {pk: similarity.prepare(similarity.Signature.from_data(data)) for pk, data in rows}


def index_item(item, *, models=None) -> None:
    """Write (or remove, for an item no longer shown) the item's signature, index keys
    and likely duplicates. Call it in the transaction that wrote the item."""
    models = _models(models)
    models.ItemSignature.objects.filter(pk=item.pk).delete()  # its keys and pairs go with it
    if item.status != VISIBLE:
        return
    sig = similarity.signature(item.text)
    keys = sketch(similarity.index_keys(sig, item.kind))
    models.ItemSignature.objects.create(
        item_id=item.pk, forum_id=item.forum_id, data=sig.data(), size=len(keys)
    )
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:  # the ORM's bulk_create costs more than the insert
        cursor.executemany(
            f"INSERT INTO {qn(models.ItemShingle._meta.db_table)}"  # nosec B608 (names only)
            f" (forum_id, {qn('key')}, signature_id) VALUES (%s, %s, %s)",
            [(item.forum_id, key, item.pk) for key in keys],
        )
    mine = similarity.prepare(sig)
    found = []
    candidates = _candidates(models, item.forum_id, keys, len(keys), exclude=item.pk)
    for other_id, theirs in _prepared(models, candidates).items():
        # the older item is the score's first text, as when the console compared all pairs
        if other_id < item.pk:
            value = similarity.score_against(mine, theirs)
        else:
            value = similarity.score_prepared(mine, theirs)
        value = round(value, 3)
        if value >= similarity.THRESHOLD:
            found.append((value, other_id))
    found.sort(key=lambda f: (-f[0], f[1]))
    models.SimilarPair.objects.bulk_create(
        [
            models.SimilarPair(
                forum_id=item.forum_id, item_id=item.pk, other_id=other_id, score=value
            )
            for value, other_id in found[:STORED_MATCHES]
        ]
    )


def rebuild(*, models=None, forum_ids=None) -> int:
    """Index every item anew, in the order they were written (a migration's backfill,
    or after the vocabulary in ``similarity`` changed). Returns the items indexed."""
    models = _models(models)
    items = models.Item.objects.order_by("pk")
    if forum_ids is not None:
        items = items.filter(forum_id__in=forum_ids)
    models.ItemSignature.objects.filter(item__in=items).delete()
    count = 0
    shown = items.filter(status=VISIBLE).only("pk", "forum_id", "kind", "text", "status")
    for item in shown.iterator():
        index_item(item, models=models)
        count += 1
    return count


def suggestions(items, *, limit: int = 3) -> dict[int, list[similarity.Match]]:
    """For each shown item among ``items``, its stored likely duplicates among them,
    best first: ``{item id: [Match(other, score)]}`` (items without one left out)."""
    from workshops.models import SimilarPair

    shown = {item.pk: item for item in items if item.status == VISIBLE}
    if not shown:
        return {}
    forum_ids = {item.forum_id for item in shown.values()}
    result: dict[int, dict[int, float]] = {}
    pairs = SimilarPair.objects.filter(forum_id__in=forum_ids).values_list(
        "item_id", "other_id", "score"
    )
    for a, b, value in pairs:
        if a in shown and b in shown:
            result.setdefault(a, {})[b] = value
            result.setdefault(b, {})[a] = value
    return {
        pk: [
            similarity.Match(shown[other], value)
            for other, value in sorted(others.items(), key=lambda o: (-o[1], o[0]))[:limit]
        ]
        for pk, others in result.items()
    }


def lookup(
    forum_id: int, text: str, *, kind: str | None = None, limit: int = 3
) -> list[tuple[int, float]]:
    """The shown items of the forum most like ``text`` (optionally of ``kind``), best
    first, as ``(item id, score)``: at most ``SIMILAR_CANDIDATES`` of them scored."""
    from workshops import models
    from workshops.models import Item

    sig = similarity.signature(text)
    kinds = [kind] if kind in Item.Kind.values else Item.Kind.values
    per_kind = [sketch(similarity.index_keys(sig, k)) for k in kinds]
    mine = similarity.prepare(sig)
    found = []
    keys = [key for keys in per_kind for key in keys]
    candidates = _candidates(models, forum_id, keys, len(per_kind[0]))
    for item_id, theirs in _prepared(models, candidates).items():
        value = round(similarity.score_prepared(mine, theirs), 3)
        if value >= similarity.THRESHOLD:
            found.append((item_id, value))
    found.sort(key=lambda f: (-f[1], f[0]))
    return found[:limit]
