"""Password hashing (argon2id) and access tokens (HS256 JWT), shared across the three APIs."""

from __future__ import annotations

import re
import time
from functools import cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi.concurrency import run_in_threadpool

JWT_ALGORITHM = "HS256"
_REQUIRED_CLAIMS = ["sub", "iat", "exp"]
_USER_ID = re.compile(r"[0-9]{1,19}")
BIGINT_MAX = 9_223_372_036_854_775_807

_hasher = PasswordHasher()  # argon2id, PHC strings: readable by the Flask and DRF apps too


class InvalidTokenError(Exception):
    """The token cannot identify a user; the message says why (for logs, not clients)."""


# contract: auth.token
@cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password")


# contract: auth.token
def _verify(password_hash: str | None, password: str) -> bool:
    # Unknown users are checked against a dummy hash, so both failures take
    # about as long and timing does not reveal which usernames exist.
    try:
        matched = _hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None


# contract: auth.register
# argon2 is CPU-bound and blocking by design: keep it off the event loop.
async def hash_password(password: str) -> str:
    return await run_in_threadpool(_hasher.hash, password)


# contract: auth.token
async def verify_password(password_hash: str | None, password: str) -> bool:
    return await run_in_threadpool(_verify, password_hash, password)


# contract: auth.token
def create_access_token(user_id: int, *, secret: str, ttl_seconds: int) -> str:
    issued_at = int(time.time())
    claims = {"sub": str(user_id), "iat": issued_at, "exp": issued_at + ttl_seconds}
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


# contract: auth.current-user
def decode_access_token(token: str, *, secret: str) -> int:
    """The user id a valid token names; ``InvalidTokenError`` for anything else."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[JWT_ALGORITHM], options={"require": _REQUIRED_CLAIMS}
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(str(exc)) from exc
    subject = claims["sub"]
    if not isinstance(subject, str) or not _USER_ID.fullmatch(subject):
        raise InvalidTokenError("sub is not a user id")
    user_id = int(subject)
    if user_id > BIGINT_MAX:
        raise InvalidTokenError("sub is out of range")
    return user_id
