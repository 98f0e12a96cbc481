from __future__ import annotations

import re

import psycopg.errors
from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from impl_fastapi.bodies import IJSONRoute
from impl_fastapi.deps import JSONBody, ReadSessionDep, SessionDep, SettingsDep
from impl_fastapi.models import User
from impl_fastapi.problems import LOCATION_HEADER, problem_responses
from impl_fastapi.schemas import (
    USERNAME_PATTERN,
    RegisterRequest,
    TokenRead,
    TokenRequest,
    UserRead,
)
from impl_fastapi.security import create_access_token, hash_password, verify_password

router = APIRouter(prefix="/auth", tags=["auth"], route_class=IJSONRoute)


# contract: auth.register
@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    dependencies=[JSONBody],
    responses={
        201: {"headers": LOCATION_HEADER},
        **problem_responses(400, 409, 413, 415, 422, 503),
    },
)
async def register(
    body: RegisterRequest, session: SessionDep, request: Request, response: Response
) -> User:
    user = User(username=body.username, password_hash=await hash_password(body.password))
    session.add(user)
    try:
        await session.commit()
    except IntegrityError as exc:
        # The unique constraint decides, not a SELECT beforehand: two racing
        # registrations of one name get exactly one 201 and one 409.
        if not isinstance(exc.orig, psycopg.errors.UniqueViolation):
            raise
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"The username {body.username!r} is taken."
        ) from exc
    response.headers["Location"] = request.app.url_path_for("read_me")
    return user


# contract: auth.token
@router.post(
    "/token",
    dependencies=[JSONBody],
    responses=problem_responses(400, 401, 413, 415, 422, 503),
)
async def issue_token(
    body: TokenRequest, session: ReadSessionDep, settings: SettingsDep
) -> TokenRead:
    # A username no registration can produce (a NUL, which Postgres refuses to
    # compare, among others) belongs to nobody: the same 401, without a query.
    row = None
    if re.fullmatch(USERNAME_PATTERN, body.username):
        row = (
            await session.execute(
                select(User.id, User.password_hash).where(User.username == body.username)
            )
        ).one_or_none()
    # Verified even for an unknown user (against a dummy hash), then one answer for both.
    matched = await verify_password(row.password_hash if row else None, body.password)
    if row is None or not matched:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Invalid username or password.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    ttl = settings.jwt_ttl_seconds
    token = create_access_token(
        row.id, secret=settings.jwt_secret.get_secret_value(), ttl_seconds=ttl
    )
    return TokenRead(access_token=token, expires_in=ttl)
