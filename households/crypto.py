"""ID-card numbers at rest: Fernet ciphertext plus an HMAC for exact look-up.

The plain number exists only in memory, in the form a permitted user typed or
reads; the database holds the ciphertext and the keyed hash, and logs get the
mask.
"""

import hashlib
import hmac
import re
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@cache
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def encrypt_id_number(plain: str) -> str:
    return _fernet(settings.ID_NUMBER_ENCRYPTION_KEY).encrypt(plain.encode()).decode()


def decrypt_id_number(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.ID_NUMBER_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        # A wrong key must not take the page down; the number is simply unreadable.
        return ""


def hash_id_number(plain: str) -> str:
    key = settings.ID_NUMBER_HASH_KEY.encode()
    return hmac.new(key, normalize_id_number(plain).encode(), hashlib.sha256).hexdigest()


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def mask_id_number(plain: str) -> str:
    """510184********123X: region code and last four, as printed on forms."""
    plain = normalize_id_number(plain)
    if len(plain) < 10:
        return "*" * len(plain)
    return plain[:6] + "*" * (len(plain) - 10) + plain[-4:]


# Anything shaped like an ID number, valid or not: it is personal data either way.
_ID_NUMBER_RE = re.compile(r"\d{17}[\dXx]")


def mask_id_numbers_in(text: str) -> str:
    """Free text (a search, a query string) with every ID number in it masked."""
    return _ID_NUMBER_RE.sub(lambda m: mask_id_number(m[0]), text)
