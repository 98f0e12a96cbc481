from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from impl_fastapi.deps import ReadSessionDep
from impl_fastapi.problems import problem_responses
from impl_fastapi.schemas import HealthRead

router = APIRouter(tags=["health"])


# contract: health
@router.get("/health", responses=problem_responses(503))
async def health(session: ReadSessionDep) -> HealthRead:
    """Healthy means a round trip to the database succeeded."""
    await session.execute(text("SELECT 1"))
    return HealthRead()
