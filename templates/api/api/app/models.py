"""Request and response models (API-15).

Request models forbid unknown keys and bound every string; response models list exactly the fields a
client may see. Config is given as class keywords (``class M(BaseModel, extra="forbid")``), which pydantic
1.10 and 2 both honour; pydantic 2's ``model_config`` would be silently ignored by pydantic 1.
"""

from datetime import datetime
from typing import List
from uuid import UUID

from pydantic import BaseModel, constr

ProjectName = constr(strict=True, min_length=1, max_length=200)


class ProjectCreate(BaseModel, extra="forbid"):
    name: ProjectName  # type: ignore[valid-type]


class Project(BaseModel):
    id: UUID
    name: str
    created_at: datetime


class Me(BaseModel):
    sub: str
    tenant_id: str
    scopes: List[str]


class Health(BaseModel):
    status: str
