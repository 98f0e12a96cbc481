# flask-smorest's decorators, which build every view here, are untyped.
# mypy: disallow-untyped-decorators=False
from __future__ import annotations

from flask_jwt_extended import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Forbidden, NotFound, Unauthorized
from werkzeug.routing import BaseConverter

from impl_flask.db import get_session, release_session, violated_constraint
from impl_flask.downstream import get_downstream
from impl_flask.models import BIGINT_MAX, Item
from impl_flask.parsing import Blueprint
from impl_flask.schemas import (
    EnrichedItemArgs,
    EnrichedItemRead,
    ItemCreate,
    ItemListArgs,
    ItemRead,
    ItemUpdate,
)
from impl_flask.security import BEARER_AUTH, login_required

blp = Blueprint("items", __name__, url_prefix="/items", description="Everyone's items.")


# contract: items.retrieve
class ItemIdConverter(BaseConverter):
    """An item id in a path: ASCII digits, at most as many as a bigint has.

    Anything else matches no route, so it is 404 for every method. Conversion
    never fails on purpose: werkzeug answers 405 when one method's rule matches
    the path but another's converter refuses it.
    """

    regex = r"[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


# contract: items.retrieve
def item_id_schema(_converter: ItemIdConverter) -> dict[str, object]:
    # No "format": the other documents give none for ids, and the drift check compares it.
    return {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX}


ITEM_PATH = "/<item_id:item_id>"


# contract: items.retrieve, items.update, items.delete
def get_item(item_id: int, *, for_update: bool = False) -> Item:
    # 19 digits can still overflow the column; such an id exists as little as 0 does.
    if not 1 <= item_id <= BIGINT_MAX:
        raise NotFound(f"No item with id {item_id}.")
    item = get_session().get(Item, item_id, with_for_update=for_update)
    if item is None:
        raise NotFound(f"No item with id {item_id}.")
    return item


# contract: auth.ownership, concurrency
def get_owned_item(item_id: int) -> Item:
    """The one ownership check: the item exists (404) and is the caller's (403).

    The row is locked (``SELECT ... FOR UPDATE``) until the request's transaction
    ends, so racing writes of one item take turns: the second sees the first's
    result, or no row at all if the first deleted it (404, never a second 204, and
    never an UPDATE of a row that is gone). Each ``PATCH`` still writes only the
    members it was sent, so two of different members both survive.
    """
    item = get_item(item_id, for_update=True)
    if item.owner_id != current_user.id:
        raise Forbidden("This item belongs to another user.")
    return item


# contract: items.list
@blp.get("")
@blp.arguments(ItemListArgs(), location="query", as_kwargs=True)
@blp.response(200, ItemRead(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def list_items(limit: int, offset: int) -> tuple[list[Item], dict[str, str]]:
    session = get_session()
    total = session.scalar(select(func.count()).select_from(Item))
    items = session.scalars(select(Item).order_by(Item.id).limit(limit).offset(offset)).all()
    return list(items), {"X-Total-Count": str(total)}


# contract: items.create, concurrency
@blp.post("")
@login_required
@blp.doc(security=BEARER_AUTH)
@blp.arguments(ItemCreate())
@blp.response(201, ItemRead, headers={"Location": {"schema": {"type": "string"}}})
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
@blp.alt_response(401, response="UNAUTHORIZED")
def create_item(data: dict[str, object]) -> tuple[Item, dict[str, str]]:
    session = get_session()
    item = Item(**data, owner_id=current_user.id)
    session.add(item)
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        # The token's user was deleted after it was loaded (its items went with it):
        # the same answer as for a token whose user is already gone.
        if violated_constraint(error) == "items_owner_id_fkey":
            raise Unauthorized("The bearer token's user no longer exists.") from None
        raise
    return item, {"Location": f"/items/{item.id}"}


# contract: items.retrieve
@blp.get(ITEM_PATH)
@blp.response(200, ItemRead)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
@blp.alt_response(404, response="NOT_FOUND")
def retrieve_item(item_id: int) -> Item:
    return get_item(item_id)


# contract: io.enriched
@blp.get(f"{ITEM_PATH}/enriched")
# The token first: without one, nothing is parsed, read or called.
@login_required
@blp.doc(security=BEARER_AUTH)
@blp.arguments(EnrichedItemArgs(), location="query", as_kwargs=True)
@blp.response(200, EnrichedItemRead)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(502, response="BAD_GATEWAY")
@blp.alt_response(504, response="GATEWAY_TIMEOUT")
def retrieve_enriched_item(item_id: int, fanout: int) -> dict[str, object]:
    item = get_item(item_id)
    # Held until teardown, the session's connection would sit idle in the database
    # pool for the whole downstream wait: in-flight fan-outs would then be bounded
    # by DB_POOL_SIZE, not by the server's threads or the HTTP pool.
    release_session()
    return {"item": item, "parts": get_downstream().fetch_parts(item.id, fanout)}


# contract: items.update
@blp.patch(ITEM_PATH)
@login_required
@blp.doc(security=BEARER_AUTH)
@blp.arguments(ItemUpdate())
@blp.response(200, ItemRead)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def update_item(data: dict[str, object], item_id: int) -> Item:
    session = get_session()
    item = get_owned_item(item_id)
    for member, value in data.items():
        setattr(item, member, value)
    session.commit()
    return item


# contract: items.delete
@blp.delete(ITEM_PATH)
@login_required
@blp.doc(security=BEARER_AUTH)
@blp.response(204)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def delete_item(item_id: int) -> None:
    session = get_session()
    session.delete(get_owned_item(item_id))
    session.commit()
