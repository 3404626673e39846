"""Personal data at rest: encryption with rotatable keys, and keyed hashes for lookups.

- ``seal``/``open`` encrypt a small JSON object with Fernet (AES-128-CBC + HMAC-SHA256).
  ``MultiFernet`` takes the keys newest first: the first encrypts, any of them decrypts, and
  ``rotate`` re-encrypts a token under the newest key (``python -m service rotate-keys``).
  ``seal_bytes``/``open_bytes`` do the same for bytes (photos of documents).
- ``digest`` is an HMAC-SHA256 under a separate lookup key: the same phone or ID number
  always gives the same digest, so the service can compare and find without decrypting, while
  someone holding a copy of the database cannot test guesses without the key.

In development, keys are derived from SECRET_KEY so that `make serve` works with no set-up;
production refuses to start without DATA_KEYS and LOOKUP_KEY (see ``Settings.validate``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import msgspec
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(dict[str, Any]).decode


def new_key() -> str:
    return Fernet.generate_key().decode()


def check_keys(keys: tuple[str, ...]) -> str | None:
    """A message saying what is wrong with the configured data keys, or None."""
    for i, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            return (f"DATA_KEYS: key {i} is not a Fernet key (32 bytes, url-safe base64; "
                    "make one with `python -m service new-key`)")
    return None


# RFC 2104's inner and outer pads, as translation tables (as the standard library's hmac)
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


class Mac:
    """HMAC-SHA256 under one key, the same bytes as ``hmac.digest(key, msg, "sha256")``.

    The key's two padded blocks are hashed once, here; each MAC then copies those two
    states (RFC 2104, as the standard library's pure-Python HMAC does). ``hmac.digest``
    asks OpenSSL 3 to look the algorithm up again on every call: about 22,000
    instructions a MAC against 12,000, and five MACs per submission."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > 64:  # the block size: longer keys are hashed first
            key = hashlib.sha256(key).digest()
        block = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(block.translate(_IPAD))
        self._outer = hashlib.sha256(block.translate(_OPAD))

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def _derived(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"jiuyetong:{purpose}:{secret}".encode()).digest()


class Vault:
    """Encrypts and hashes personal data with the configured keys."""

    def __init__(self, data_keys: tuple[str, ...], lookup_key: str, secret_key: str) -> None:
        keys = data_keys or (base64.urlsafe_b64encode(_derived(secret_key, "data")).decode(),)
        self._fernet = MultiFernet([Fernet(k) for k in keys])
        self._newest = Fernet(keys[0])
        self._lookup = Mac(lookup_key.encode() if lookup_key else _derived(secret_key, "lookup"))

    @classmethod
    def from_settings(cls, settings: Any) -> Vault:
        return cls(settings.data_keys, settings.lookup_key, settings.secret_key)

    def seal(self, data: dict[str, Any]) -> str:
        return self._fernet.encrypt(_encode(data)).decode()

    def open(self, token: str) -> dict[str, Any]:
        """The sealed object; raises ``InvalidToken`` when no configured key fits."""
        return _decode(self._fernet.decrypt(token.encode()))

    def seal_bytes(self, data: bytes) -> str:
        """Bytes (a document's photo) as a Fernet token, like ``seal``."""
        return self._fernet.encrypt(data).decode()

    def open_bytes(self, token: str) -> bytes:
        """The sealed bytes; raises ``InvalidToken`` when no configured key fits."""
        return self._fernet.decrypt(token.encode())

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode()).decode()

    def is_current(self, token: str) -> bool:
        """True when the token is already encrypted under the newest key."""
        try:
            self._newest.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def mac(self, *parts: str) -> bytes:
        """HMAC-SHA256 of the parts under the lookup key."""
        return self._lookup.digest("\x1f".join(parts).encode())

    def digest(self, *parts: str) -> str:
        """The MAC truncated to 128 bits (32 hex characters): ample against collisions and
        guessing, and half the size in the unique indexes written on every submission."""
        return self.mac(*parts)[:16].hex()

    def same(self, a: str, b: str) -> bool:
        return hmac.compare_digest(a, b)


__all__ = ["InvalidToken", "Vault", "check_keys", "new_key"]
