"""The cost of duplicate suggestions: the console compares every pair of a forum's
items on each refresh; a phone asks for similar items while its person types.

    python -m bench.similarity [--n 60 200]

Prints one line per forum size: the console's pass over all pairs (cold caches) and one
phone lookup. No database; the texts are typical proposals with varying details.
"""
import argparse
import random
import time
from dataclasses import dataclass

TEXTS = [
    "Sprachkurse mit Kinderbetreuung am Vormittag", "Mehr Kita-Plätze in der Nordstadt",
    "Lotsen für Behördengänge", "Elterncafé an Grundschulen", "Bezahlbarer Wohnraum für große Familien",
    "Dolmetscherpool für Arztbesuche", "Anerkennung ausländischer Abschlüsse beschleunigen",
    "Interkulturelle Öffnung der Verwaltung", "Mehrsprachige Formulare im Bürgeramt",
    "Sportverein für Mädchen öffnen",
]


@dataclass
class Item:
    pk: int
    text: str
    kind: str


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[60, 200])
    args = parser.parse_args()
    from workshops import similarity

    rng = random.Random(1)
    for n in args.n:
        for cached in (similarity.units, similarity._pair_score, similarity._trigrams):
            cached.cache_clear()
        items = [
            Item(i, f"{TEXTS[i % len(TEXTS)]} Quartier {i} {rng.choice(['', 'und Beratung', 'am Abend', 'für Jugendliche'])}",
                 ("need", "goal", "measure")[i % 3])
            for i in range(n)
        ]
        start = time.perf_counter()
        found = similarity.duplicate_suggestions(items)
        console_ms = 1000 * (time.perf_counter() - start)
        start = time.perf_counter()
        similarity.similar("Deutschkurs mit Kita-Platz", items)
        phone_ms = 1000 * (time.perf_counter() - start)
        print(f"similarity n={n} console_pass_ms={console_ms:.0f} items_with_suggestions={len(found)} "
              f"phone_lookup_ms={phone_ms:.1f}")


if __name__ == "__main__":
    main()
