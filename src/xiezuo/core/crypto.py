"""Encryption at rest and keyed hashes for personal data (ID and phone numbers).

One master secret (XIEZUO_FIELD_KEY, or a demo secret generated into the data directory on
first use) derives two keys with HKDF: an AES-256-GCM key for the stored ciphertext and an HMAC
key for lookups. The keyed hash lets the database find and join people by ID number without
holding it in clear, and without being reversible by someone who only has the database.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from xiezuo.paths import read_or_create_secret

PREFIX = "v1:"


@cache
def keys() -> tuple[AESGCM, bytes]:
    master = (os.environ.get("XIEZUO_FIELD_KEY") or read_or_create_secret("field_key")).encode()

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    return AESGCM(derive(b"xiezuo field encryption")), derive(b"xiezuo lookup hash")


def encrypt(plain: str) -> str:
    return encrypt_many([plain])[0]


def encrypt_many(values: list[str]) -> list[str]:
    """AES-GCM ciphertext of each value ('' stays ''), with a fresh nonce each: one random draw
    for all the nonces and the key looked up once, so bulk work pays half per value."""
    aead, _ = keys()
    nonces = os.urandom(12 * len(values))
    seal = aead.encrypt
    b64 = binascii.b2a_base64
    out = []
    for k, plain in enumerate(values):
        if not plain:
            out.append("")
            continue
        nonce = nonces[12 * k : 12 * k + 12]
        out.append(PREFIX + b64(nonce + seal(nonce, plain.encode(), None), newline=False).decode())
    return out


def decrypt(token: str) -> str:
    if not token:
        return ""
    if not token.startswith(PREFIX):
        raise ValueError("unknown ciphertext version")
    aead, _ = keys()
    raw = base64.b64decode(token[len(PREFIX) :])
    return aead.decrypt(raw[:12], raw[12:], None).decode()


def keyed_hashes(values: list[str]) -> list[str]:
    """keyed_hash() of each value, for bulk work."""
    _, key = keys()
    digest = hmac.digest
    return [digest(key, v.encode(), "sha256")[:16].hex() if v else "" for v in values]


def keyed_hash(value: str) -> str:
    """128-bit HMAC-SHA256 of the normalised value, hex: the lookup and join key."""
    return keyed_hashes([value])[0]
