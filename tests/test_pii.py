"""The keyed hashes and the sealing of personal data (service/pii.py): the same bytes as the
standard constructions, so every hash and token stored before still matches and opens."""

from __future__ import annotations

import hashlib
import hmac
import os
import random

import pytest

from service.pii import Mac, Vault


@pytest.mark.parametrize("key_length", [0, 1, 16, 32, 63, 64, 65, 200])
def test_the_pre_keyed_mac_is_hmac_sha256(key_length):
    rng = random.Random(key_length)
    for _ in range(40):
        key = os.urandom(key_length)
        message = rng.randbytes(rng.randint(0, 300))
        assert Mac(key).digest(message) == hmac.digest(key, message, "sha256")


def test_the_vaults_hashes_are_what_they_were():
    """Stored phone hashes, open keys, idempotency keys and derived references were made
    with hmac.digest under the lookup key: the same parts give the same bytes."""
    vault = Vault((), "a lookup key from the environment", "secret")
    expected = hmac.digest(b"a lookup key from the environment", b"phone\x1f13800138000",
                           "sha256")
    assert vault.mac("phone", "13800138000") == expected
    assert vault.digest("phone", "13800138000") == expected[:16].hex()
    derived = Vault((), "", "secret")  # development: the lookup key derived from SECRET_KEY
    key = hashlib.sha256(b"jiuyetong:lookup:secret").digest()
    assert derived.mac("open", "370481199001011234", "x") == hmac.digest(
        key, b"open\x1f370481199001011234\x1fx", "sha256")
