from __future__ import annotations

from fastapi import APIRouter

from impl_fastapi.deps import CurrentReader
from impl_fastapi.models import User
from impl_fastapi.problems import problem_responses
from impl_fastapi.schemas import UserRead

router = APIRouter(tags=["users"])


# contract: users.me
@router.get("/me", response_model=UserRead, responses=problem_responses(401, 503))
async def read_me(user: CurrentReader) -> User:
    return user
