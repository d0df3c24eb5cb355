"""Liveness: public on purpose, and independent of the database and the identity provider."""

from fastapi import APIRouter, Depends

from app.models import Health
from app.security.auth import public

router = APIRouter()


# A coroutine on purpose: a liveness probe does no I/O, so it answers on the event loop without a threadpool hop.
@router.get("/healthz", response_model=Health, dependencies=[Depends(public)])
async def healthz() -> Health:
    return Health(status="ok")
