"""Application reference numbers: short, easy to read aloud and type, hard to guess.

Eight random characters and one check character from a 32-letter alphabet with no 0/O or
1/I: 32**8 (about 10**12) possible references, so a valid one cannot be found by trying,
especially as failed lookups are throttled. The check character (Luhn mod 32) catches every
single wrong character and most swapped neighbours before anything is looked up.
Shown as three groups of three: ``K7M-2X9-QPA``.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
N = len(ALPHABET)
LENGTH = 9
_STRIP = re.compile(r"[\s\-－—_.]+")


def check_char(body: str) -> str:
    """Luhn mod N over the alphabet (the standard algorithm, generalised to N symbols)."""
    factor, total = 2, 0
    for c in reversed(body):
        addend = factor * _INDEX[c]
        factor = 1 if factor == 2 else 2
        total += addend // N + addend % N
    return ALPHABET[(N - total % N) % N]


def from_bytes(data: bytes) -> str:
    """A reference from at least 8 random (or keyed-hash) bytes: 32 symbols = 5 bits, so the
    low 5 bits of each byte pick one, uniformly."""
    body = "".join(ALPHABET[b & 31] for b in data[:LENGTH - 1])
    return body + check_char(body)


def new_reference() -> str:
    return from_bytes(secrets.token_bytes(LENGTH - 1))


def normalize(raw: str) -> tuple[str | None, str | None]:
    """(reference, None) for a well-formed one, else (None, a Chinese message)."""
    # NFKC: a Chinese keyboard in full-width mode types ＫＧＭ for KGM
    value = _STRIP.sub("", unicodedata.normalize("NFKC", raw)).upper()
    if len(value) != LENGTH:
        return None, f"申请编号是{LENGTH}位（字母和数字），请再核对一下。"
    if any(c in "01OI" for c in value):
        return None, "申请编号里没有数字0、1和字母O、I，请再核对一下。"
    if any(c not in _INDEX for c in value) or check_char(value[:-1]) != value[-1]:
        return None, "这个申请编号不对，可能有一位看错了，请再核对一下。"
    return value, None


def display(reference: str) -> str:
    return "-".join(reference[i:i + 3] for i in range(0, len(reference), 3))
