"""The cost of duplicate suggestions, side by side with the targets (docs/performance.md,
"Duplicate suggestions"): the console's suggestions for every item of a forum, and one
phone look-up while its person types.

    python -m bench.similarity [--n 500] [--chars 500] [--texts made-up typical]
                               [--lookups 10] [--database-url URL]

Builds each forum through the services, as a real one is built (``propose_item``, a
moderator so no per-person limit applies), on a fresh database (a temporary SQLite file
unless --database-url is given). Texts:

- ``made-up``: the worst case. Items of about ``--chars`` characters of invented words,
  so nothing repeats between items and no cache helps; every tenth item rewords an
  earlier one (a few words changed), so there are true duplicates to find.
- ``typical``: short proposals of the city's kind with varying details.

One line per forum: ``console_ms`` is ``console.attach_suggestions`` over the forum's
items, as the console page calls it on every refresh (caches cleared first);
``lookup_ms`` the median and the worst of ``--lookups`` calls of ``console.similar_data``
(what ``GET /f/<CODE>/similar`` costs) with fresh text of the same length, half of them
rewordings of an item (wall time, and this process's CPU time, which the other processes
of a busy machine do not inflate); ``propose_ms`` the median cost of one proposal while the forum
was built (the write path, signatures included). ``suggested`` counts the items with a
suggestion and ``found`` the planted duplicates that were suggested.
"""

import argparse
import random
import statistics
import tempfile
import time

from bench.__main__ import setup_django

TARGET_CONSOLE_MS = 100
TARGET_LOOKUP_MS = 20

TYPICAL = [
    "Sprachkurse mit Kinderbetreuung am Vormittag",
    "Mehr Kita-Plätze in der Nordstadt",
    "Lotsen für Behördengänge",
    "Elterncafé an Grundschulen",
    "Bezahlbarer Wohnraum für große Familien",
    "Dolmetscherpool für Arztbesuche",
    "Anerkennung ausländischer Abschlüsse beschleunigen",
    "Interkulturelle Öffnung der Verwaltung",
    "Mehrsprachige Formulare im Bürgeramt",
    "Sportverein für Mädchen öffnen",
]
_ONSETS = [
    "b",
    "d",
    "f",
    "g",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "w",
    "z",
    "br",
    "dr",
    "gl",
    "kr",
    "pl",
    "st",
    "tr",
    "sch",
    "pf",
    "sp",
]
_VOWELS = ["a", "e", "i", "o", "u", "ä", "ö", "ü", "ei", "au"]
_CODAS = ["", "", "n", "r", "l", "s", "t", "m", "ck", "ng"]


def made_up_word(rng: random.Random) -> str:
    syllables = range(rng.randint(2, 4))
    word = "".join(
        rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in syllables
    )
    return word.capitalize() if rng.random() < 0.3 else word


def made_up_text(rng: random.Random, chars: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append(made_up_word(rng))
    return " ".join(words)[:chars].rstrip()


def reword(rng: random.Random, text: str, share: float = 0.15) -> str:
    """The same proposal in other words: about ``share`` of its words replaced (no longer
    than the original)."""
    words = text.split()
    for n in rng.sample(range(len(words)), max(1, int(share * len(words)))):
        words[n] = made_up_word(rng)
    return " ".join(words)[: len(text)].rstrip()


def texts_for(
    kind: str, n: int, chars: int, rng: random.Random
) -> tuple[list[str], set[tuple[int, int]]]:
    """The items' texts and the planted duplicate pairs (by position)."""
    texts: list[str] = []
    planted: set[tuple[int, int]] = set()
    for i in range(n):
        if kind == "typical":
            detail = rng.choice(["", "und Beratung", "am Abend", "für Jugendliche"])
            texts.append(f"{TYPICAL[i % len(TYPICAL)]} Quartier {i} {detail}".strip())
        elif i % 10 == 9:
            original = rng.randrange(i)
            texts.append(reword(rng, texts[original]))
            planted.add((original, i))
        else:
            texts.append(made_up_text(rng, chars))
    return texts, planted


def run(kind: str, n: int, chars: int, lookups: int) -> str:
    from tests.factories import make_forum, make_moderator, moderator_actor
    from workshops import console, similarity
    from workshops.selectors import forum_items
    from workshops.services.items import propose_item

    rng = random.Random(n * 1000 + chars)
    forum = make_forum()
    field = forum.fields.first().pk
    actor = moderator_actor(make_moderator(forum.conference))
    texts, planted = texts_for(kind, n, chars, rng)
    ids: list[int] = []
    propose_ms: list[float] = []
    propose_cpu: list[float] = []
    for text in texts:
        start, cpu = time.perf_counter(), time.process_time()
        ids.append(propose_item(actor=actor, forum=forum, field=field, kind="need", text=text).pk)
        propose_ms.append(1000 * (time.perf_counter() - start))
        propose_cpu.append(1000 * (time.process_time() - cpu))

    for cached in (similarity.units, similarity._pair_score, similarity._trigrams):
        cached.cache_clear()
    items = [i for i in forum_items(forum, include_hidden=True) if i.forum_id == forum.pk]
    start, cpu = time.perf_counter(), time.process_time()
    console.attach_suggestions(items)
    console_ms = 1000 * (time.perf_counter() - start)
    console_cpu = 1000 * (time.process_time() - cpu)
    by_id = {item.pk: item for item in items}
    suggested = sum(bool(item.suggestions) for item in items)
    found = sum(any(s["other"].pk == ids[b] for s in by_id[ids[a]].suggestions) for a, b in planted)

    lookup_ms: list[float] = []
    lookup_cpu: list[float] = []
    hits = 0
    for k in range(lookups):
        if kind == "typical":
            text = f"Deutschkurs mit Kita-Platz {k}"
        elif k % 2:
            text = reword(rng, texts[rng.randrange(n)])
        else:
            text = made_up_text(rng, chars)
        start, cpu = time.perf_counter(), time.process_time()
        answer = console.similar_data(forum, text, kind="need")
        lookup_ms.append(1000 * (time.perf_counter() - start))
        lookup_cpu.append(1000 * (time.process_time() - cpu))
        hits += bool(answer)
    median, worst = statistics.median(lookup_ms), max(lookup_ms)
    # On a machine others use too, wall time waits for their processes; CPU time does not.
    wall_ok = console_ms < TARGET_CONSOLE_MS and worst < TARGET_LOOKUP_MS
    cpu_ok = console_cpu < TARGET_CONSOLE_MS and max(lookup_cpu) < TARGET_LOOKUP_MS
    verdict = f"wall {'ok' if wall_ok else 'OVER'} cpu {'ok' if cpu_ok else 'OVER'}"
    return (
        f"similarity texts={kind} n={n} chars={chars if kind == 'made-up' else '-'} "
        f"console_ms={console_ms:.0f} cpu={console_cpu:.0f} (target <{TARGET_CONSOLE_MS}) "
        f"lookup_ms={median:.1f}/{worst:.1f} median/worst cpu={statistics.median(lookup_cpu):.1f}/"
        f"{max(lookup_cpu):.1f} (target <{TARGET_LOOKUP_MS}) "
        f"propose_ms={statistics.median(propose_ms):.1f} median "
        f"cpu={statistics.median(propose_cpu):.1f} "
        f"suggested={suggested} found={found}/{len(planted)} "
        f"lookups_with_answer={hits}/{lookups} {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[500], help="items per forum")
    parser.add_argument("--chars", type=int, default=500, help="length of a made-up item")
    parser.add_argument(
        "--texts", nargs="+", default=["made-up", "typical"], choices=["made-up", "typical"]
    )
    parser.add_argument("--lookups", type=int, default=10)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(args.database_url, data_dir)
        for kind in args.texts:
            for n in args.n:
                print(run(kind, n, args.chars, args.lookups), flush=True)


if __name__ == "__main__":
    main()
