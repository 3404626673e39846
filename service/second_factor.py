"""The second factor for staff sign-in: TOTP (RFC 6238) codes and one-time recovery codes.

Pure functions; the account side (where secrets are kept, who must use them) is
``service/staff.py``. Codes are the authenticator apps' default (SHA-1, 6 digits, 30 s), so
any of them reads the QR code: 微信小程序“腾讯身份验证器”, Google Authenticator, Microsoft
Authenticator, FreeOTP. A code is accepted one step early or late (phone clocks drift), and
each step's code works once (the account keeps the last step used).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import pyotp

from .identity import compact

ISSUER = "就业通"
STEP = 30  # seconds
RECOVERY_CODES = 8
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i


def new_secret() -> str:
    return pyotp.random_base32()


def enrolment_uri(username: str, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (from the QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def secret_of(uri: str) -> str:
    """The secret in an enrolment address, for typing in where a phone cannot scan."""
    return str(pyotp.parse_uri(uri).secret)


def clean(code: str) -> str:
    """What was typed, without spaces and dashes, lower case."""
    return compact(code).lower()


def matching_step(secret: str, code: str, at: dt.datetime) -> int | None:
    """The time step whose code this is (one step early or late allowed), or None."""
    code = clean(code)
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    for offset in (0, -STEP, STEP):
        when = at + dt.timedelta(seconds=offset)
        if hmac.compare_digest(totp.at(when), code):
            return totp.timecode(when)
    return None


def new_recovery_codes() -> list[str]:
    """Codes for the day the phone is lost: each works once, instead of a TOTP code."""
    return ["-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5))
                     for _ in range(2)) for _ in range(RECOVERY_CODES)]


def recovery_hash(code: str) -> str:
    # 50 random bits per code: a plain hash is enough (the codes are not passwords a person
    # chose), and it lets a sign-in find the code without trying each one
    return hashlib.sha256(clean(code).encode()).hexdigest()
