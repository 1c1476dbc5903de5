"""Likely duplicates among a forum's items, for the console's merge suggestions and the
phone's "this is already there". Pure Python, German first.

A text becomes a set of *units*:

1. normalised: case folded, umlauts and ß folded (ä → a, ae → a, ß → ss), punctuation
   and digits dropped, so "Kita-Plätze", "Kitaplaetze" and "kitaplätze" read alike;
2. split into words; stopwords (articles, prepositions, and the words every measure
   uses, such as "mehr", "Angebot", "schaffen") dropped; a light stemmer strips plural
   and inflection endings ("Sprachkurse" → "sprachkurs", "Familien" → "famili");
3. every word is searched for the terms of the domain synonym table (``CONCEPTS``),
   longest first, also inside compounds: "Deutschkurs" and "Abendsprachkurs" both hold
   the concept *Sprachkurs*, "Kita-Platz" and "Kinderbetreuung" the concept
   *Kinderbetreuung*. What remains of a word (four letters or more) stays a unit.

Two texts are compared by a soft Dice coefficient over their units: equal units count
1, other pairs count their character-trigram similarity when it is at least
``PARTIAL_FROM`` (so "Hausaufgabenhilfe" still meets "Hausaufgaben", and a typo meets its
word). Pairs from ``THRESHOLD`` on are suggested. The tests (tests/workshops/
test_similarity.py) hold the examples this was tuned on, the ones that must match and
the ones that must not.
"""

import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache

THRESHOLD = 0.55
PARTIAL_FROM = 0.5

# Domain synonyms of integration work: each concept with the (normalised) word parts that
# name it. Terms are found inside compounds, so keep them specific (at least 4 letters);
# a term must not be part of an unrelated common word.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "sprachkurs": (
        "sprachkurs",
        "deutschkurs",
        "integrationskurs",
        "sprachforderung",
        "deutschforderung",
        "sprachunterricht",
        "deutschunterricht",
        "sprachcafe",
        "sprachlern",
    ),
    "kinderbetreuung": (
        "kinderbetreuung",
        "kindertagesstatt",
        "kita",
        "kindergart",
        "krippe",
        "tagesmutt",
        "tagespfleg",
        "betreuungsplatz",
    ),
    "dolmetschen": ("dolmetsch", "sprachmittl", "ubersetz", "ubersetzung"),
    "wohnung": ("wohnung", "wohnraum", "mietwohnung", "unterkunft"),
    "arbeit": ("arbeitsmarkt", "arbeitsplatz", "beschaftigung", "arbeitsstell", "jobs", "job"),
    "anerkennung": ("anerkennung", "berufsanerkennung", "abschlussanerkennung"),
    "beratung": ("beratung", "beratungsstell", "anlaufstell", "lotse", "lotsen"),
    "ehrenamt": ("ehrenamt", "freiwillig"),
    "eltern": ("eltern", "mutter", "vater"),
    "gesundheit": ("gesundheit", "arzt", "arzte", "hausarzt", "medizin"),
}

STOPWORDS = frozenset(
    """
a ab aber alle allen aller als also am an auch auf aus bei beim bis bzw da damit dass
das dem den der des die dies diese diesem diesen dieser doch du durch ein eine einem
einen einer eines er es fur gegen hat haben ich ihr im in ins ist ja je jede jeden jeder
kein keine mit nach nicht noch nur ob oder ohne schon sein seine sich sie sind so sowie
uber um und uns unser unsere vom von vor war was weil wenn wer wie wir wird wo zu zum zur
zwischen
the and of for with to in on a an
mehr viel viele vielen besser bessere besseren neue neuen neuer gut gute guten
angebot angebote schaffen ausbauen ausbau starken verbessern fordern einrichten
platz platze moglich moglichkeit moglichkeiten brauchen braucht benotigt gibt
""".split()
)

_ENDINGS = ("innen", "ungen", "ern", "en", "er", "es", "em", "e", "n", "s")
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "é": "e", "è": "e", "à": "a"})
_WORD = re.compile(r"[a-z]+")


def normalise(text: str) -> str:
    """Case folded, umlauts folded, accents and punctuation gone (words kept apart)."""
    text = text.casefold().translate(_FOLD)
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    for written, folded in (("ae", "a"), ("oe", "o"), ("ue", "u")):
        text = text.replace(written, folded)
    return " ".join(_WORD.findall(text))


def stem(word: str) -> str:
    """Strip one plural or inflection ending, keeping at least four letters."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


_TERMS = sorted(
    (
        (normalise(term).replace(" ", ""), concept)
        for concept, terms in CONCEPTS.items()
        for term in terms
    ),
    key=lambda t: -len(t[0]),
)
# A word can hold a term only if it holds the term's first three letters: most words hold
# none, and are not searched for every term.
_TERM_HEADS = frozenset(term[:3] for term, _concept in _TERMS)


def _may_hold_term(piece: str) -> bool:
    return any(piece[i : i + 3] in _TERM_HEADS for i in range(len(piece) - 2))


@lru_cache(maxsize=5000)
def units(text: str) -> frozenset[str]:
    """The comparable units of a text: concepts (``@sprachkurs``) and word stems."""
    normal = normalise(text)
    found: set[str] = set()
    words = [w for w in normal.split() if w not in STOPWORDS]
    for word in words:
        pieces = [word]
        while pieces:
            piece = pieces.pop()
            for term, concept in _TERMS if _may_hold_term(piece) else ():
                at = piece.find(term)
                if at >= 0:
                    found.add("@" + concept)
                    pieces.extend(p for p in (piece[:at], piece[at + len(term) :]) if p)
                    break
            else:
                rest = stem(piece)
                if len(rest) >= 4 and rest not in STOPWORDS and piece not in STOPWORDS:
                    found.add(rest)
    return frozenset(found)


@lru_cache(maxsize=20000)
def _trigrams(word: str) -> frozenset[str]:
    padded = f" {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def _dice(a: str, b: str) -> float:
    ta, tb = _trigrams(a), _trigrams(b)
    return 2 * len(ta & tb) / (len(ta) + len(tb))


_CONCEPT_TERMS = {}
for _term, _concept in _TERMS:
    _CONCEPT_TERMS.setdefault("@" + _concept, []).append(_term)


# A console page compares every pair of items on each refresh: word pairs repeat.
@lru_cache(maxsize=200000)
def _pair_score(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if a.startswith("@") and b.startswith("@"):
        return 0.0
    if a.startswith("@") or b.startswith("@"):
        # a misspelt word ("Kinderbetreung") still meets its concept
        concept, word = (a, b) if a.startswith("@") else (b, a)
        value = max(
            (_dice(word, term) for term in _CONCEPT_TERMS[concept] if len(term) >= 6), default=0.0
        )
    else:
        value = _dice(a, b)
    return value if value >= PARTIAL_FROM else 0.0


def score(a: frozenset[str], b: frozenset[str]) -> float:
    """Soft Dice of two unit sets, 0 to 1: each unit is matched at most once, best
    pairs first."""
    if not a or not b:
        return 0.0
    return _soft_dice(_prepared(a), _prepared(b), probe_is_a=True)


def _reference_score(a: frozenset[str], b: frozenset[str]) -> float:
    """``score`` by its definition: every pair of units weighed. Quadratic in the units
    of both texts, so only for checking ``score`` (tests/workshops/test_similarity.py)."""
    if not a or not b:
        return 0.0
    pairs = sorted(((_pair_score(x, y), x, y) for x in a for y in b), reverse=True)
    used_a: set[str] = set()
    used_b: set[str] = set()
    total = 0.0
    for value, x, y in pairs:
        if value <= 0:
            break
        if x in used_a or y in used_b:
            continue
        used_a.add(x)
        used_b.add(y)
        total += value
    return 2 * total / (len(a) + len(b))


# --- signatures: what a forum stores per item, so that no text is compared twice -----
#
# ``score`` above gives the same value as weighing every pair of units (the reference),
# but looks only at the pairs that can count: equal units, words that share character
# trigrams (found through a trigram index of one side) and words near a concept. A
# word's near concepts depend on the word alone; they are part of the stored signature.
# The index keys of a signature (``index_keys``) let a forum find the few items worth
# scoring without reading the others (workshops/signatures.py).

_TERM_TRIGRAMS: dict[str, list[tuple[str, str]]] = {}
for _term, _concept in _TERMS:
    if len(_term) >= 6:
        for _gram in _trigrams(_term):
            _TERM_TRIGRAMS.setdefault(_gram, []).append((_term, "@" + _concept))


@lru_cache(maxsize=20000)
def near_concepts(word: str) -> tuple[tuple[str, float], ...]:
    """The concepts a word (not itself a concept) meets partially, with the value
    ``_pair_score`` gives the pair: "kinderbetreung" meets ``@kinderbetreuung``."""
    grams = _trigrams(word)
    shared: dict[tuple[str, str], int] = {}
    for gram in grams:
        for entry in _TERM_TRIGRAMS.get(gram, ()):
            shared[entry] = shared.get(entry, 0) + 1
    best: dict[str, float] = {}
    for (term, concept), count in shared.items():
        value = 2 * count / (len(grams) + len(_trigrams(term)))
        if value > best.get(concept, 0.0):
            best[concept] = value
    return tuple(sorted((c, v) for c, v in best.items() if v >= PARTIAL_FROM))


@dataclass(frozen=True)
class Signature:
    """A text's units and, for its words, the concepts they meet partially."""

    units: frozenset[str]
    near: dict[str, tuple[tuple[str, float], ...]]

    def data(self) -> dict:
        """As stored (JSON)."""
        near = {word: [list(pair) for pair in pairs] for word, pairs in sorted(self.near.items())}
        return {"units": sorted(self.units), "near": near}

    @classmethod
    def from_data(cls, data: dict) -> "Signature":
        near = {word: tuple((c, v) for c, v in pairs) for word, pairs in data["near"].items()}
        return cls(frozenset(data["units"]), near)


def _signature(found: frozenset[str]) -> Signature:
    near = {word: n for word in found if not word.startswith("@") and (n := near_concepts(word))}
    return Signature(found, near)


def signature(text: str) -> Signature:
    return _signature(units(text))


@lru_cache(maxsize=100000)
def _key(kind: str, feature: str) -> int:
    """A stable 32-bit number for a feature (signed, so every database's integer holds it)."""
    return zlib.crc32(f"{kind}:{feature}".encode()) - 2**31


# The index holds a word's character 5-grams (its shingles), not its trigrams: every
# item shares common trigrams with most others, so an index of trigrams would make each
# look-up read most of the forum. Words with trigram similarity from ``PARTIAL_FROM`` on
# share a 5-gram all but rarely (and an item worth suggesting has many such words).
SHINGLE = 5


@lru_cache(maxsize=20000)
def shingles(word: str) -> frozenset[str]:
    padded = f" {word} "
    if len(padded) <= SHINGLE:
        return frozenset((padded,))
    return frozenset(padded[i : i + SHINGLE] for i in range(len(padded) - SHINGLE + 1))


def index_keys(sig: Signature, kind: str) -> set[int]:
    """What an item is found by: its words' shingles, its concepts and the concepts its
    words come near, each with the item's kind (items of other kinds are never found)."""
    features: set[str] = set()
    for unit in sig.units:
        if unit.startswith("@"):
            features.add(unit)
        else:
            features.update(shingles(unit))
    for near in sig.near.values():
        features.update(concept for concept, _value in near)
    return {_key(kind, feature) for feature in features}


class _Prepared:
    """A signature ready to be scored against many others."""

    __slots__ = ("by_concept", "concepts", "grams", "index", "units", "words")

    def __init__(self, sig: Signature):
        self.units = sig.units
        self.words = [u for u in sig.units if not u.startswith("@")]
        self.concepts = [u for u in sig.units if u.startswith("@")]
        self.grams = {w: _trigrams(w) for w in self.words}
        self.index: dict[str, list[str]] | None = None
        self.by_concept: dict[str, list[tuple[str, float]]] = {}
        for word, near in sig.near.items():
            for concept, value in near:
                self.by_concept.setdefault(concept, []).append((word, value))

    def trigram_index(self) -> dict[str, list[str]]:
        if self.index is None:
            self.index = {}
            for word, grams in self.grams.items():
                for gram in grams:
                    self.index.setdefault(gram, []).append(word)
        return self.index


@lru_cache(maxsize=2000)
def _prepared(found: frozenset[str]) -> _Prepared:
    return _Prepared(_signature(found))


def prepare(sig: Signature) -> _Prepared:
    return _Prepared(sig)


def _soft_dice(probe: _Prepared, other: _Prepared, *, probe_is_a: bool) -> float:
    """``score`` of the two, ``probe`` (whose trigram index is used) being its ``a``
    when ``probe_is_a``. Each pair is listed as ``(value, unit of a, unit of b)`` and
    the pairs are taken in the same order as by the reference, so the value is equal."""
    if not probe.units or not other.units:
        return 0.0
    orient = (lambda v, p, o: (v, p, o)) if probe_is_a else (lambda v, p, o: (v, o, p))
    pairs = [(1.0, u, u) for u in probe.units & other.units]
    index = probe.trigram_index()
    sizes = probe.grams
    for word, grams in other.grams.items():
        shared: dict[str, int] = {}
        for gram in grams:
            for mine in index.get(gram, ()):
                shared[mine] = shared.get(mine, 0) + 1
        for mine, count in shared.items():
            if mine != word:
                value = 2 * count / (len(sizes[mine]) + len(grams))
                if value >= PARTIAL_FROM:
                    pairs.append(orient(value, mine, word))
    for concept in probe.concepts:
        for word, value in other.by_concept.get(concept, ()):
            pairs.append(orient(value, concept, word))
    for concept in other.concepts:
        for word, value in probe.by_concept.get(concept, ()):
            pairs.append(orient(value, word, concept))
    pairs.sort(reverse=True)
    used_a: set[str] = set()
    used_b: set[str] = set()
    total = 0.0
    for value, x, y in pairs:
        if x in used_a or y in used_b:
            continue
        used_a.add(x)
        used_b.add(y)
        total += value
    return 2 * total / (len(probe.units) + len(other.units))


def score_prepared(a: _Prepared, b: _Prepared) -> float:
    """``score`` of two prepared signatures; ``a``'s trigram index is built once and
    reused, so score one text against many with the one as ``a``."""
    return _soft_dice(a, b, probe_is_a=True)


def score_against(b: _Prepared, a: _Prepared) -> float:
    """``score(a, b)`` using ``b``'s trigram index (a new item against older ones)."""
    return _soft_dice(b, a, probe_is_a=False)


def similarity(text_a: str, text_b: str) -> float:
    return score(units(text_a), units(text_b))


@dataclass(frozen=True)
class Match:
    item: object
    score: float


def similar(text: str, candidates, *, limit: int = 3, threshold: float = THRESHOLD) -> list[Match]:
    """The candidates (objects with ``text``) most like ``text``, best first."""
    mine = units(text)
    found = [Match(c, round(score(mine, units(c.text)), 3)) for c in candidates]
    found = [m for m in found if m.score >= threshold]
    found.sort(key=lambda m: (-m.score, m.item.pk))
    return found[:limit]


def duplicate_suggestions(
    items, *, limit: int = 3, threshold: float = THRESHOLD
) -> dict[int, list[Match]]:
    """For each item, the other items of the same kind that likely say the same, best
    first: ``{item id: [Match(other, score)]}``. Items without a match are left out."""
    prepared = [(item, units(item.text)) for item in items]
    result: dict[int, list[Match]] = {}
    for n, (item, mine) in enumerate(prepared):
        for other, theirs in prepared[n + 1 :]:
            if other.kind != item.kind:
                continue
            value = round(score(mine, theirs), 3)
            if value >= threshold:
                result.setdefault(item.pk, []).append(Match(other, value))
                result.setdefault(other.pk, []).append(Match(item, value))
    for matches in result.values():
        matches.sort(key=lambda m: (-m.score, m.item.pk))
        del matches[limit:]
    return result
