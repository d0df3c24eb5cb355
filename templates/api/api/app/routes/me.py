"""Who the caller is, as the verified token (and the tenancy setting) says."""

from typing import Any, Dict

from fastapi import APIRouter, Security

from app.models import Me
from app.security.auth import Principal, require_principal

router = APIRouter(prefix="/v1")


# A coroutine on purpose: it does no I/O, so it runs on the event loop instead of taking a threadpool hop.
# It returns a dict, not a Me: FastAPI validates what a route returns against response_model=Me and sends
# only Me's fields either way, and building a Me here first would only have FastAPI take it apart again.
@router.get("/me", response_model=Me)
async def me(principal: Principal = Security(require_principal)) -> Dict[str, Any]:
    return {"sub": principal.sub, "tenant_id": principal.tenant_id, "scopes": sorted(principal.scopes)}
