from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated

import psycopg.errors
from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BeforeValidator, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from impl_fastapi.bodies import IJSONRoute
from impl_fastapi.deps import (
    Authenticated,
    CurrentUser,
    DownstreamDep,
    ItemDep,
    JSONBody,
    OwnedItem,
    ReadSessionDep,
    SessionDep,
    user_does_not_exist,
)
from impl_fastapi.models import Item
from impl_fastapi.problems import LOCATION_HEADER, TOTAL_COUNT_HEADER, problem_responses
from impl_fastapi.schemas import INT32_MAX, EnrichedItemRead, ItemCreate, ItemRead, ItemUpdate

router = APIRouter(prefix="/items", tags=["items"], route_class=IJSONRoute)

# contract: items.retrieve
# Starlette's ``int`` convertor matches digits only, so "abc" or "-1" reach no route
# and get the 404 the contract asks for, where an ``int`` parameter would give 422.
ITEM_PATH = "/{item_id:int}"


# contract: items.list, io.enriched
def _plain_integer(value: object) -> object:
    # Pydantic's lax int also takes "5.0", " 5" and "5_0"; a query integer is digits.
    if isinstance(value, str) and not re.fullmatch(r"-?[0-9]+", value):
        raise ValueError("must be an integer")
    return value


# contract: items.list
# (bounds in a Field ahead of the validator, so the document shows them as minimum/maximum)
Limit = Annotated[int, Field(ge=1, le=100), BeforeValidator(_plain_integer)]
# contract: items.list
Offset = Annotated[int, Field(ge=0, le=INT32_MAX), BeforeValidator(_plain_integer)]
# contract: io.enriched
Fanout = Annotated[int, Field(ge=1, le=16), BeforeValidator(_plain_integer)]


# contract: items.list
@router.get(
    "",
    response_model=list[ItemRead],
    responses={200: {"headers": TOTAL_COUNT_HEADER}, **problem_responses(422, 503)},
)
async def list_items(
    session: ReadSessionDep,
    response: Response,
    limit: Annotated[Limit, Query()] = 20,
    offset: Annotated[Offset, Query()] = 0,
) -> Sequence[Item]:
    # Two statements rather than count(*) OVER (): a page past the end has no row
    # to carry the window total, and X-Total-Count is still required there.
    total = await session.scalar(select(func.count()).select_from(Item))
    items = await session.scalars(select(Item).order_by(Item.id).limit(limit).offset(offset))
    response.headers["X-Total-Count"] = str(total)
    return items.all()


# contract: items.create, concurrency
@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ItemRead,
    dependencies=[JSONBody],
    responses={
        201: {"headers": LOCATION_HEADER},
        **problem_responses(400, 401, 413, 415, 422, 503),
    },
)
async def create_item(
    body: ItemCreate, user: CurrentUser, session: SessionDep, request: Request, response: Response
) -> Item:
    item = Item(name=body.name, price_cents=body.price_cents, owner_id=user.id)
    session.add(item)
    try:
        await session.commit()
    except IntegrityError as exc:
        # The owner was deleted after the token was checked: the foreign key decides,
        # and the answer is the one for a token whose user no longer exists.
        if not isinstance(exc.orig, psycopg.errors.ForeignKeyViolation):
            raise
        raise user_does_not_exist() from exc
    response.headers["Location"] = request.app.url_path_for("retrieve_item", item_id=item.id)
    return item


# contract: items.retrieve
@router.get(ITEM_PATH, response_model=ItemRead, responses=problem_responses(404, 503))
async def retrieve_item(item: ItemDep) -> Item:
    return item


# contract: items.update
@router.patch(
    ITEM_PATH,
    response_model=ItemRead,
    dependencies=[JSONBody],
    responses=problem_responses(400, 401, 403, 404, 413, 415, 422, 503),
)
async def update_item(body: ItemUpdate, item: OwnedItem, session: SessionDep) -> Item:
    # Only members actually sent; {} changes nothing. The unit of work writes only
    # the columns that changed, on a row ``OwnedItem`` holds locked: a racing PATCH of
    # another member keeps its change.
    for field, value in body.model_dump(exclude_unset=True).items():
        setattr(item, field, value)
    await session.commit()
    return item


# contract: items.delete
@router.delete(
    ITEM_PATH,
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 503),
)
async def delete_item(item: OwnedItem, session: SessionDep) -> None:
    await session.delete(item)
    await session.commit()


# contract: io.enriched
@router.get(
    f"{ITEM_PATH}/enriched",
    response_model=EnrichedItemRead,
    # The token first: without one, nothing is read and nothing is called.
    dependencies=[Authenticated],
    responses=problem_responses(401, 404, 422, 502, 503, 504),
)
async def retrieve_enriched_item(
    item: ItemDep,
    session: ReadSessionDep,
    downstream: DownstreamDep,
    fanout: Annotated[Fanout, Query()] = 1,
) -> EnrichedItemRead:
    read = ItemRead.model_validate(item)
    # The session would hold its pooled connection until the request ends; given back
    # now, the downstream wait does not keep one of DB_POOL_SIZE connections busy, and
    # in-flight fan-outs are bounded by the HTTP pool, not the database's.
    await session.close()
    return EnrichedItemRead(item=read, parts=await downstream.fetch_parts(read.id, fanout))
