"""Passwords (argon2id) and bearer tokens (HS256 JWTs via flask-jwt-extended).

Tokens must interoperate with the other implementations: they carry ``sub``
(the user id as digits), ``iat`` and ``exp``, and verification requires those
three and nothing else (flask-jwt-extended adds ``jti``, ``type``, ``fresh`` and
``nbf`` when it issues, but must not demand them).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any, ParamSpec, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask
from flask_jwt_extended import JWTManager, create_access_token, jwt_required

from impl_flask.db import get_session
from impl_flask.models import BIGINT_MAX, User
from impl_flask.problems import register_jwt_handlers
from shared_db import Settings

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("sub", "iat", "exp")
_USER_ID = re.compile(r"[0-9]{1,19}")

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters

P = ParamSpec("P")
R = TypeVar("R")


def _off_the_hub(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run an argon2 computation without stalling the worker's other requests.

    argon2-cffi releases the GIL while it hashes: under OS threads (sync, gthread,
    granian) the other requests run meanwhile, and a plain call is right. Under
    gunicorn's gevent worker every greenlet shares one OS thread, so a hash computed
    there would freeze the whole worker for its duration (fan-outs in flight miss
    their deadline); gevent's own pool of OS threads computes it instead, and only
    the calling greenlet waits. ``func`` must not raise for an expected outcome: the
    pool logs a traceback for every exception it hands back.
    """
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        # Imported here: already loaded by the worker that patched, and nowhere else.
        import gevent  # type: ignore[import-untyped]  # ships no type information

        result: R = gevent.get_hub().threadpool.apply(func, args, kwargs)
        return result
    return func(*args, **kwargs)


# contract: auth.register
def hash_password(password: str) -> str:
    return _off_the_hub(_hasher.hash, password)


# contract: auth.token
@cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password")


# contract: auth.token
def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no user, spend the same time on a dummy hash."""
    return _off_the_hub(_verify_password, password_hash, password)


def _verify_password(password_hash: str | None, password: str) -> bool:
    try:
        matches = _hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return matches and password_hash is not None


# contract: auth.current-user
# The token ``type`` is flask-jwt-extended's own claim; other issuers may omit it.
login_required = jwt_required(verify_type=False)

# How the OpenAPI document marks an operation as needing a bearer token.
BEARER_AUTH: list[dict[str, list[str]]] = [{"bearerAuth": []}]


# contract: auth.token
def issue_token(user: User) -> str:
    token: str = create_access_token(identity=str(user.id))
    return token


# contract: auth.token, auth.current-user
def init_app(app: Flask, settings: Settings) -> None:
    app.config.update(
        JWT_SECRET_KEY=settings.jwt_secret.get_secret_value(),
        JWT_ALGORITHM=ALGORITHM,
        JWT_DECODE_ALGORITHMS=[ALGORITHM],
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=settings.jwt_ttl_seconds),
        JWT_TOKEN_LOCATION=["headers"],
        JWT_HEADER_TYPE="Bearer",
        JWT_DECODE_LEEWAY=0,
        # Tokens travel in the Authorization header only, so no CSRF claim.
        JWT_COOKIE_CSRF_PROTECT=False,
    )
    jwt = JWTManager(app)
    register_jwt_handlers(jwt)

    @jwt.token_verification_loader
    def has_required_claims(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
        # PyJWT checks exp/iat/nbf only when present; the contract requires them.
        return all(claim in payload for claim in REQUIRED_CLAIMS)

    @jwt.user_lookup_loader
    def load_user(_header: dict[str, Any], payload: dict[str, Any]) -> User | None:
        subject = payload["sub"]
        if not isinstance(subject, str) or not _USER_ID.fullmatch(subject):
            return None
        user_id = int(subject)
        if not 1 <= user_id <= BIGINT_MAX:
            return None
        return get_session().get(User, user_id)
