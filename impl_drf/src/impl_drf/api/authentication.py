"""DRF authentication for the contract's bearer tokens.

PyJWT directly rather than djangorestframework-simplejwt: simplejwt's tokens carry
its own claims (``token_type``, ``jti``) and resolve users through
``AUTH_USER_MODEL``, while the contract's tokens are plain ``sub``/``iat``/``exp``
JWTs shared with two other implementations and name rows of ``users``. What is
left to write is a dozen lines.
"""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from impl_drf.api.models import User
from impl_drf.api.security import InvalidToken, user_id_from_token

KEYWORD = "Bearer"


# contract: auth.current-user
class JWTAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, str] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None  # not ours: DRF answers NotAuthenticated where a user is required
        if len(parts) != 2:
            raise AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
        token = parts[1].decode("latin-1")
        try:
            user_id = user_id_from_token(token)
        except InvalidToken as exc:
            raise AuthenticationFailed("The access token is invalid or expired.") from exc
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise AuthenticationFailed("The access token names no existing user.")
        return user, token

    def authenticate_header(self, request: Request) -> str:
        # Having a challenge makes DRF answer 401 (not 403) to missing credentials.
        return KEYWORD
