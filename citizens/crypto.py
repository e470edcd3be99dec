"""CPR at rest (DESIGN section 1): Fernet encryption with the key id stored beside each
ciphertext, MultiFernet to read under every configured key and to rotate, and a keyed
hash (HMAC-SHA256) for exact lookup and uniqueness.

BIP_CPR_KEYS is "id:key,id:key"; the first key encrypts new values, the others only
decrypt until `rotate_cpr_keys` has moved every value to the first.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver


@cache
def _keys() -> dict[str, Fernet]:
    keys: dict[str, Fernet] = {}
    for part in settings.BIP_CPR_KEYS.split(","):
        key_id, _, key = part.strip().partition(":")
        if not key_id or not key:
            raise ImproperlyConfigured("BIP_CPR_KEYS is 'id:key,id:key' (Fernet keys)")
        if key_id in keys:
            raise ImproperlyConfigured(f"BIP_CPR_KEYS names key {key_id!r} twice")
        try:
            keys[key_id] = Fernet(key.encode())
        except ValueError:
            raise ImproperlyConfigured(
                f"CPR key {key_id!r} is not a Fernet key (32 url-safe base64 bytes)"
            ) from None
    return keys


@cache
def _multi(first: str) -> MultiFernet:
    # The key the stored id names is tried first, so a read costs one HMAC check;
    # MultiFernet.rotate encrypts under the first key, so rotation passes the current.
    keys = _keys()
    return MultiFernet([keys[first], *(f for k, f in keys.items() if k != first)])


def current_key_id() -> str:
    return next(iter(_keys()))


def encrypt(digits: str) -> tuple[str, str]:
    key_id = current_key_id()
    return key_id, _keys()[key_id].encrypt(digits.encode()).decode()


def decrypt(key_id: str, ciphertext: str) -> str:
    if key_id not in _keys():
        raise ImproperlyConfigured(f"CPR key {key_id!r} is not configured")
    try:
        return _multi(key_id).decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            f"No key in BIP_CPR_KEYS opens a CPR number stored under {key_id!r}"
        ) from None


def rotate(key_id: str, ciphertext: str) -> tuple[str, str]:
    """The same value encrypted under the current key (unchanged if already there)."""
    current = current_key_id()
    if key_id == current:
        return key_id, ciphertext
    decrypt(key_id, ciphertext)  # a clear error for a key that is gone or wrong
    return current, _multi(current).rotate(ciphertext.encode()).decode()


def keyed_hash(digits: str) -> str:
    key = settings.BIP_CPR_HMAC_KEY.encode()
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()


def clear_caches() -> None:
    """Forget the parsed keys (tests and the rotation command change the settings)."""
    _keys.cache_clear()
    _multi.cache_clear()


@receiver(setting_changed)
def _keys_changed(*, setting: str, **kwargs: object) -> None:
    if setting == "BIP_CPR_KEYS":
        clear_caches()
