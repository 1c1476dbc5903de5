"""Join codes and screen keys.

The alphabet leaves out letters and digits that people confuse when they read a code
off a projector (0/O, 1/I/L); docs/protocol.md documents it for outside clients.
"""

import secrets

JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalize_join_code(raw: str) -> str | None:
    """The code in canonical form, or None if it cannot be a join code at all."""
    code = (raw or "").strip().upper().replace(" ", "").replace("-", "")
    if len(code) != JOIN_CODE_LENGTH or any(c not in JOIN_CODE_ALPHABET for c in code):
        return None
    return code


def new_screen_key() -> str:
    return secrets.token_urlsafe(18)


CARD_CODE_LENGTH = 8


def new_card_salt() -> str:
    return secrets.token_hex(16)


def new_card_code() -> str:
    """A voting card's code: 8 characters of the join alphabet (about 40 bits)."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(CARD_CODE_LENGTH))


def normalize_card_code(raw: str) -> str | None:
    code = (raw or "").strip().upper().replace(" ", "").replace("-", "")
    if len(code) != CARD_CODE_LENGTH or any(c not in JOIN_CODE_ALPHABET for c in code):
        return None
    return code


def card_hash(salt: str, code: str) -> str:
    import hashlib

    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()
