"""Liveness: public on purpose, and independent of the database and the identity provider."""

from fastapi import APIRouter, Depends

from app.models import Health
from app.security.auth import public

router = APIRouter()


@router.get("/healthz", response_model=Health, dependencies=[Depends(public)])
def healthz() -> Health:
    return Health(status="ok")
