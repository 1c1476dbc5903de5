"""User text, made safe to store and show: the one cleaning function every service uses
for what people type (item texts, names, notes).

What it removes and why:

- control characters (Unicode category Cc): they have no visible form; newlines stay
  where the field allows several lines, tabs become spaces;
- bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): a
  stray "right-to-left override" in one proposal would reverse the text around it.
  The pages isolate user text anyway (``dir="auto"``, ``<bdi>``), so nothing is lost;
  the plain marks LRM, RLM and ALM stay, they only nudge neutral characters;
- invisible characters that serve only to hide or fake text: zero-width space,
  word joiner and the invisible operators, the byte order mark, the Mongolian vowel
  separator, the Hangul fillers, and lone surrogates (which no database can store);
- line and paragraph separators (U+2028, U+2029) become newlines (or spaces).

Zero-width joiner and non-joiner stay: Persian, Arabic and Indic writing need them, and
emoji sequences are built with them. Text is NFC-normalised, trimmed, and in multi-line
fields more than one empty line in a row is shortened to one.
"""

import re
import unicodedata

BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
INVISIBLE = frozenset(
    map(
        chr,
        [
            0x200B,
            0x2060,
            0x2061,
            0x2062,
            0x2063,
            0x2064,
            0xFEFF,
            0x180E,
            0x115F,
            0x1160,
            0x3164,
            0xFFA0,
        ],
    )
)
LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"}
_BREAK_RE = re.compile("|".join(map(re.escape, LINE_BREAKS)))
_EMPTY_LINES_RE = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_SPACES_RE = re.compile(r"[^\S\n]+")


def _keep(ch: str) -> bool:
    if ch == "\n":
        return True
    if ch in BIDI_CONTROLS or ch in INVISIBLE:
        return False
    category = unicodedata.category(ch)
    return category not in ("Cc", "Cs")


def clean_user_text(raw: str, *, multiline: bool = False) -> str:
    """``raw`` without the characters above, trimmed; one line unless ``multiline``.

    Single-line text has every run of white space (line breaks included) collapsed to
    one space. Multi-line text keeps its line breaks (normalised to ``\\n``), trims each
    line's end, and keeps at most one empty line in a row. Length limits are the caller's
    business and apply to the result.
    """
    text = unicodedata.normalize("NFC", str(raw or ""))
    text = _BREAK_RE.sub(lambda m: LINE_BREAKS[m.group(0)], text)
    text = text.replace("\t", " ")
    text = "".join(ch for ch in text if _keep(ch))
    if not multiline:
        return " ".join(text.split())
    lines = [_SPACES_RE.sub(" ", line).rstrip() for line in text.split("\n")]
    text = "\n".join(lines).strip()
    return _EMPTY_LINES_RE.sub("\n\n", text)
