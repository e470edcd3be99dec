"""CPR at rest (DESIGN section 1): Fernet encryption with a key id beside each
ciphertext, and a keyed hash (HMAC-SHA256) for exact lookup and uniqueness."""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _keys() -> dict[str, Fernet]:
    keys: dict[str, Fernet] = {}
    for part in settings.BIP_CPR_KEYS.split(","):
        key_id, _, key = part.strip().partition(":")
        if not key_id or not key:
            raise ImproperlyConfigured("BIP_CPR_KEYS is 'id:key,id:key' (Fernet keys)")
        keys[key_id] = Fernet(key.encode())
    return keys


def current_key_id() -> str:
    return next(iter(_keys()))


def encrypt(digits: str) -> tuple[str, str]:
    key_id = current_key_id()
    return key_id, _keys()[key_id].encrypt(digits.encode()).decode()


def decrypt(key_id: str, ciphertext: str) -> str:
    try:
        fernet = _keys()[key_id]
    except KeyError:
        raise ImproperlyConfigured(f"CPR key {key_id!r} is not configured") from None
    return fernet.decrypt(ciphertext.encode()).decode()


def keyed_hash(digits: str) -> str:
    key = settings.BIP_CPR_HMAC_KEY.encode()
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()
