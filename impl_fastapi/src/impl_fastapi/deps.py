"""Dependencies, wrapped in ``Annotated`` aliases so route signatures read like prose.

Every one is ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread,
a hop to the thread pool and back on each request, even for an attribute read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from impl_fastapi.downstream import Downstream
from impl_fastapi.models import Item, User
from impl_fastapi.security import BIGINT_MAX, InvalidTokenError, decode_access_token
from shared_db import Settings


# contract: settings/app
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# contract: settings/app
async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's transaction: for the routes that write (and lock what they change)."""
    async with request.state.sessionmaker() as session:
        yield session


# contract: settings/app
async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session in autocommit, for the routes that only read: one round trip a query."""
    async with request.state.read_sessionmaker() as session:
        yield session


# contract: settings/app
async def get_downstream(request: Request) -> Downstream:
    """The worker's one client for the downstream service, made by the lifespan."""
    downstream: Downstream = request.state.downstream
    return downstream


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]
DownstreamDep = Annotated[Downstream, Depends(get_downstream)]

# contract: auth.current-user
# auto_error=False: a missing or non-Bearer header must be our 401 (with
# WWW-Authenticate), not the 403 older FastAPI versions answer.
bearer_scheme = HTTPBearer(auto_error=False)


# contract: auth.current-user
def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


# contract: auth.current-user
async def _authenticate(
    credentials: HTTPAuthorizationCredentials | None, session: AsyncSession, settings: Settings
) -> User:
    if credentials is None:
        raise _unauthorized("A Bearer token is required.")
    try:
        user_id = decode_access_token(
            credentials.credentials, secret=settings.jwt_secret.get_secret_value()
        )
    except InvalidTokenError as exc:
        raise _unauthorized("The token is invalid or expired.") from exc
    user = await session.get(User, user_id)
    if user is None:
        raise user_does_not_exist()
    return user


# contract: auth.current-user
async def get_current_user(
    credentials: BearerCredentials, session: SessionDep, settings: SettingsDep
) -> User:
    """The token's user, read in the route's own transaction (the writes)."""
    return await _authenticate(credentials, session, settings)


# contract: auth.current-user
async def get_current_reader(
    credentials: BearerCredentials, session: ReadSessionDep, settings: SettingsDep
) -> User:
    """The token's user, for a route that only reads: no transaction, one round trip."""
    return await _authenticate(credentials, session, settings)


# contract: auth.current-user, concurrency.owner-gone
def user_does_not_exist() -> HTTPException:
    """The 401 for a valid token whose user is gone, also when it goes mid-request."""
    return _unauthorized("The token's user does not exist.")


CurrentUser = Annotated[User, Depends(get_current_user)]
CurrentReader = Annotated[User, Depends(get_current_reader)]
# For a route that needs a valid token but not its user. In ``dependencies=[...]`` it
# runs before the route's parameters are resolved, so a 401 comes before a 404.
Authenticated = Depends(get_current_reader)


# contract: items.retrieve, items.update, items.delete
# Documented as the ids that can exist; validated by the route (digits only) and the
# lookup, so anything else is the contract's 404, not a 422.
ItemId = Annotated[int, Path(json_schema_extra={"minimum": 1, "maximum": BIGINT_MAX})]


# contract: items.retrieve, items.update, items.delete
def _not_found(item_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Item {item_id} does not exist.")


# contract: items.retrieve
async def get_item(item_id: ItemId, session: ReadSessionDep) -> Item:
    # The path only matches digits; ids beyond the BIGINT column are simply not found
    # (the database would otherwise reject the parameter).
    item = await session.get(Item, item_id) if item_id <= BIGINT_MAX else None
    if item is None:
        raise _not_found(item_id)
    return item


# contract: auth.ownership, items.update, items.delete, concurrency
async def get_owned_item(item_id: ItemId, user: CurrentUser, session: SessionDep) -> Item:
    """The one ownership check: only the owner may change or delete an item.

    The row is read ``FOR UPDATE``, so writes to one item take turns until this
    request's transaction ends: a racing DELETE or PATCH waits, then reads the row as
    the winner left it (gone: 404; changed: the change is kept). Without the lock,
    two DELETEs both saw the row and both answered 204, and a PATCH of a row deleted
    meanwhile failed in the flush (``StaleDataError``, a 500).
    """
    item = await session.get(Item, item_id, with_for_update=True) if item_id <= BIGINT_MAX else None
    if item is None:
        raise _not_found(item_id)
    if item.owner_id != user.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="You do not own this item.")
    return item


ItemDep = Annotated[Item, Depends(get_item)]
OwnedItem = Annotated[Item, Depends(get_owned_item)]


async def require_json_body(request: Request) -> None:
    """415 unless the body is declared ``application/json``; 400 if it is empty.

    FastAPI parses any ``application/*+json`` and hands other bodies to validation
    as bytes (a 422); the contract accepts only ``application/json``. It also
    reports an empty body as a missing field, where the contract sees malformed JSON.
    The body itself is parsed once, strictly, by the route (``bodies.IJSONRoute``).
    """
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail="Send the body as application/json."
        )
    if not await request.body():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="The request body is empty.")


JSONBody = Depends(require_json_body)
