"""DRF authentication for the contract's bearer tokens, and its asynchronous twin.

PyJWT directly rather than djangorestframework-simplejwt: simplejwt's tokens carry
its own claims (``token_type``, ``jti``) and resolve users through
``AUTH_USER_MODEL``, while the contract's tokens are plain ``sub``/``iat``/``exp``
JWTs shared with two other implementations and name rows of ``users``. What is
left to write is a dozen lines.

DRF authentication classes are synchronous (they query the user on the request's
thread). ``authenticate_async`` applies the same rules, with the same exceptions and
so the same answers, for the one plain async Django view (``async_views``).
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.request import Request

from impl_drf.api.models import User
from impl_drf.api.security import InvalidToken, user_id_from_token

KEYWORD = "Bearer"


# contract: auth.current-user
def bearer_token(request: HttpRequest | Request) -> str | None:
    """The request's bearer token; None without one (``AuthenticationFailed`` if malformed)."""
    # As DRF's get_authorization_header: the header's bytes (servers decode it as
    # Latin-1), split on ASCII whitespace only.
    header: str = request.META.get("HTTP_AUTHORIZATION", "")
    parts = header.encode("latin-1").split()
    if not parts or parts[0].lower() != KEYWORD.lower().encode():
        return None
    if len(parts) != 2:
        raise AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
    return parts[1].decode("latin-1")


# contract: auth.current-user
def token_user_id(token: str) -> int:
    try:
        return user_id_from_token(token)
    except InvalidToken as exc:
        raise AuthenticationFailed("The access token is invalid or expired.") from exc


def _existing(user: User | None) -> User:
    if user is None:
        raise AuthenticationFailed("The access token names no existing user.")
    return user


# contract: auth.current-user
class JWTAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, str] | None:
        token = bearer_token(request)
        if token is None:
            return None  # not ours: DRF answers NotAuthenticated where a user is required
        return _existing(User.objects.filter(pk=token_user_id(token)).first()), token

    def authenticate_header(self, request: Request) -> str:
        # Having a challenge makes DRF answer 401 (not 403) to missing credentials.
        return KEYWORD


# contract: auth.current-user
async def authenticate_async(request: HttpRequest) -> User:
    """The user of the request's bearer token, as ``JWTAuthentication`` plus
    ``IsAuthenticated`` decide it; the query through Django's async ORM."""
    token = bearer_token(request)
    if token is None:
        missing = NotAuthenticated()
        missing.auth_header = KEYWORD  # type: ignore[attr-defined]  # as APIView sets it
        raise missing
    return _existing(await User.objects.filter(pk=token_user_id(token)).afirst())
