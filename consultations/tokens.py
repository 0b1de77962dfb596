"""The codes that open a consultation link. A code is 140 random bits written in Crockford's
base32 (no I, L, O or U, so it can be read out or copied by hand) and grouped in fours; the link
carries it in its path and the "enter your code" page takes it typed. Only its SHA-256 is stored:
a copy of the database opens no link. SHA-256 without a key is enough for a random 140-bit code
(nothing to guess from a dictionary) and keeps links working when the secret key is rotated."""

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 28  # 28 x 5 = 140 bits
GROUP = 4
# Crockford's decoding: letters easily mistaken for digits are read as those digits.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh code, grouped for reading: XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def normalise(code: str) -> str | None:
    """The code as typed or pasted (any case, spaces and hyphens anywhere), in canonical form, or
    None when it cannot be a code at all."""
    raw = "".join(code.split()).replace("-", "").upper().translate(_READ_AS)
    if len(raw) != CODE_LENGTH or any(character not in ALPHABET for character in raw):
        return None
    return raw


def code_hash(code: str) -> str | None:
    """The stored form of a code (hex SHA-256 of its canonical form), or None for a malformed one."""
    raw = normalise(code)
    return None if raw is None else hashlib.sha256(raw.encode("ascii")).hexdigest()


def same_hash(stored: str, presented: str) -> bool:
    """Compare in constant time, so the time taken says nothing about how much of a code was right."""
    return hmac.compare_digest(stored.encode("ascii"), presented.encode("ascii"))
