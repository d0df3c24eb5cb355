"""The caller's tenant's projects, on the row-level-secured ``app.projects`` table.

The tenant is the principal's (from the verified token, or the single-tenant setting), set as the
transaction's tenant context before any query; row-level security in the database enforces it again.
Nothing in the path, query, body or headers can name another tenant.
"""

import logging
from typing import Any, Dict, List

import psycopg
from fastapi import APIRouter, Depends, HTTPException, Request, Security

from app.db import Database
from app.models import Project, ProjectCreate
from app.security.auth import Principal, require_principal
from app.security.events import security_event

router = APIRouter(prefix="/v1")

LIST_SQL = "select id, name, created_at from app.projects order by created_at, id"
INSERT_SQL = "insert into app.projects (tenant_id, name) values (%s, %s) returning id, name, created_at"


def get_database(request: Request) -> Database:
    return request.app.state.database


@router.get("/projects", response_model=List[Project])
def list_projects(
    principal: Principal = Security(require_principal, scopes=["projects:read"]),
    database: Database = Depends(get_database),
) -> List[Dict[str, Any]]:
    with database.tenant_transaction(principal.tenant_id) as cursor:
        cursor.execute(LIST_SQL)
        return list(cursor.fetchall())


@router.post("/projects", response_model=Project, status_code=201)
def create_project(
    request: Request,
    payload: ProjectCreate,
    principal: Principal = Security(require_principal, scopes=["projects:write"]),
    database: Database = Depends(get_database),
) -> Dict[str, Any]:
    if "\x00" in payload.name:
        raise HTTPException(status_code=422)
    try:
        with database.tenant_transaction(principal.tenant_id) as cursor:
            cursor.execute(INSERT_SQL, (principal.tenant_id, payload.name))
            row = cursor.fetchone()
    except psycopg.errors.ForeignKeyViolation:
        # The token names a tenant the database does not know.
        security_event("authz_fail", request=request, reason="tenant_unknown", status=403)
        raise HTTPException(status_code=403) from None
    except psycopg.errors.InsufficientPrivilege:
        # Row-level security refused the row: the tenant context and the row disagree.
        security_event("authz_fail", request=request, reason="tenant_mismatch", status=403, level=logging.CRITICAL)
        raise HTTPException(status_code=403) from None
    except psycopg.errors.CheckViolation:
        raise HTTPException(status_code=422) from None
    if row is None:
        raise RuntimeError("insert returned no row")
    return row
