# flask-smorest's decorators, which build every view here, are untyped.
# mypy: disallow-untyped-decorators=False
from __future__ import annotations

from typing import Any

from sqlalchemy import text

from impl_flask.db import get_session
from impl_flask.parsing import Blueprint
from impl_flask.schemas import HealthRead

blp = Blueprint("health", __name__, description="Liveness with a database round trip.")


# contract: health
@blp.get("/health")
@blp.response(200, HealthRead)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def health() -> dict[str, Any]:
    # An unreachable database raises here and leaves as 503 (see problems.py).
    get_session().execute(text("SELECT 1"))
    return {"status": "ok", "database": "ok"}
