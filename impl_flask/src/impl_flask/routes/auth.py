# flask-smorest's decorators, which build every view here, are untyped.
# mypy: disallow-untyped-decorators=False
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Conflict, Unauthorized

from impl_flask.db import get_session, violated_constraint
from impl_flask.models import User
from impl_flask.parsing import Blueprint
from impl_flask.schemas import USERNAME_RE, TokenRead, TokenRequest, UserCreate, UserRead
from impl_flask.security import hash_password, issue_token, verify_password

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Registration and tokens.")


# contract: auth.register
@blp.post("/register")
@blp.arguments(UserCreate())
@blp.response(201, UserRead, headers={"Location": {"schema": {"type": "string"}}})
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
@blp.alt_response(409, response="CONFLICT")
def register(data: dict[str, str]) -> tuple[User, dict[str, str]]:
    session = get_session()
    user = User(username=data["username"], password_hash=hash_password(data["password"]))
    session.add(user)
    try:
        session.commit()
    except IntegrityError as error:
        # The unique constraint decides, not a SELECT first: two racing
        # registrations of one name then give exactly one 201 and one 409.
        session.rollback()
        if violated_constraint(error) == "users_username_key":
            raise Conflict("This username is taken.") from None
        raise
    return user, {"Location": "/me"}


# contract: auth.token
@blp.post("/token")
@blp.arguments(TokenRequest())
@blp.response(200, TokenRead)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
@blp.alt_response(401, response="UNAUTHORIZED")
def create_token(data: dict[str, str]) -> dict[str, Any]:
    # A username no registration can produce (a NUL, which Postgres refuses to
    # compare, among others) belongs to nobody: the same 401, without a query.
    user = None
    if USERNAME_RE.match(data["username"]):
        user = get_session().scalar(select(User).where(User.username == data["username"]))
    # One answer for an unknown user and a wrong password, so usernames stay private.
    if not verify_password(user.password_hash if user else None, data["password"]) or not user:
        raise Unauthorized("Invalid username or password.")
    expires = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {
        "access_token": issue_token(user),
        "token_type": "bearer",
        "expires_in": int(expires.total_seconds()),
    }
