# flask-smorest's decorators, which build every view here, are untyped.
# mypy: disallow-untyped-decorators=False
from __future__ import annotations

from flask_jwt_extended import current_user

from impl_flask.models import User
from impl_flask.parsing import Blueprint
from impl_flask.schemas import UserRead
from impl_flask.security import BEARER_AUTH, login_required

blp = Blueprint("users", __name__, description="The authenticated user.")


# contract: users.me
@blp.get("/me")
@login_required
@blp.doc(security=BEARER_AUTH)
@blp.response(200, UserRead)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
@blp.alt_response(401, response="UNAUTHORIZED")
def me() -> User:
    user: User = current_user
    return user
