"""Passwords (argon2id PHC strings) and access tokens (HS256 JWTs).

Both formats are shared with the FastAPI and Flask implementations, which is why
this does not use Django's password hashers: ``Argon2PasswordHasher`` stores
``argon2$argon2id$...``, a Django-specific prefix the other two cannot read.
argon2-cffi's ``PasswordHasher`` reads and writes the plain PHC string.
"""

from __future__ import annotations

import re
import time
from functools import cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings

from impl_drf.api.models import BIGINT_MAX, USERNAME_PATTERN, User

JWT_ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "iat", "exp"]
_USER_ID = re.compile(r"[0-9]{1,19}")

_hasher = PasswordHasher()


class InvalidToken(Exception):
    """The token names no user; the message says why (for logs, never for clients)."""


# contract: auth.register
def hash_password(password: str) -> str:
    return _hasher.hash(password)


# contract: auth.token
@cache
def _dummy_hash() -> str:
    return _hasher.hash("no user has this password")


# contract: auth.token
def authenticate(username: str, password: str) -> User | None:
    """The user these credentials belong to, or None.

    An unknown username still costs one argon2 verification (against a dummy hash),
    so response times do not tell which usernames exist.
    """
    # A string no registration can produce (NUL included, which Postgres refuses to
    # compare) is an unknown user without asking the database.
    user = None
    if USERNAME_PATTERN.fullmatch(username):
        user = User.objects.filter(username=username).first()
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    return user


# contract: auth.token
def issue_token(user: User) -> str:
    issued_at = int(time.time())
    claims = {"sub": str(user.pk), "iat": issued_at, "exp": issued_at + settings.JWT_TTL_SECONDS}
    return jwt.encode(claims, settings.JWT_SECRET, algorithm=JWT_ALGORITHM)


# contract: auth.current-user
def user_id_from_token(token: str) -> int:
    """The id a valid token names: HS256 only, sub/iat/exp required, nbf honoured."""
    try:
        claims = jwt.decode(
            token,
            settings.JWT_SECRET,
            algorithms=[JWT_ALGORITHM],
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    subject = claims["sub"]
    if not isinstance(subject, str) or not _USER_ID.fullmatch(subject):
        raise InvalidToken("sub is not a string of digits")
    user_id = int(subject)
    if not 1 <= user_id <= BIGINT_MAX:
        raise InvalidToken("sub is out of range")
    return user_id
