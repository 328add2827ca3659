"""Platform routes of the API: health, readiness, the caller, API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from qorgau.core import db as database
from qorgau.core import policy, security
from qorgau.core.deps import get_db, require_user, writer
from qorgau.core.i18n_markers import N_
from qorgau.core.models import ApiToken, User
from qorgau.core.types import IdPath, JsonInt

router = APIRouter()
TokenScope = Literal["read", "write", "telemetry"]


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health, tags=["platform"])
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, tags=["platform"],
            responses={503: {"description": "The database is unreachable"}})
def readyz(db: Session = Depends(get_db)):
    """The database answers; otherwise 503 saying why (unreachable, or every connection busy)."""
    from fastapi.responses import JSONResponse
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from qorgau.core.web import error_body

    try:
        database.ping(db)
    except PoolTimeout:
        body = error_body("not_ready", N_("Not ready: every database connection is busy."), "database")
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    except Exception:
        body = error_body("not_ready", N_("Not ready: the database does not answer."), "database")
        return JSONResponse(body, status_code=503, headers={"Retry-After": "30"})
    return Health(status="ok")


class Me(BaseModel):
    username: str
    full_name: str
    role: str
    scope_kind: str
    scope_region_kato: str | None
    scope_union_id: int | None
    scope_enterprise_id: int | None
    permissions: list[str]


@router.get("/api/v1/me", response_model=Me, tags=["platform"])
def me(user: User = Depends(require_user)) -> Me:
    """Who is calling, in which scope, with which permissions."""
    return Me(username=user.username, full_name=user.full_name, role=user.role, scope_kind=user.scope_kind,
              scope_region_kato=user.scope_region_kato, scope_union_id=user.scope_union_id,
              scope_enterprise_id=user.scope_enterprise_id,
              permissions=sorted(policy.PERMISSIONS.get(user.role, set())))


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    name: str = Field("", max_length=100)
    scopes: list[TokenScope] = Field(default_factory=lambda: [cast(TokenScope, "read")], min_length=1, max_length=3)
    expires_days: JsonInt = Field(90, ge=1, le=3650)


class TokenCreated(TokenOut):
    token: str = Field(description="Shown once; store it now.")


def _token_out(token: ApiToken) -> dict:
    return {"id": token.id, "name": token.name, "prefix": token.prefix, "scopes": token.scope_list,
            "created_at": token.created_at, "expires_at": token.expires_at, "revoked_at": token.revoked_at}


@router.get("/api/v1/tokens", response_model=list[TokenOut], tags=["platform"])
def list_tokens(user: User = Depends(require_user), db: Session = Depends(get_db)):
    """Your API tokens (never their values)."""
    return [_token_out(t) for t in security.tokens_of(db, user=user)]


@router.post("/api/v1/tokens", response_model=TokenCreated, status_code=201, tags=["platform"])
def create_token(body: TokenIn, request: Request, user: User = Depends(writer), db: Session = Depends(get_db)):
    """Make an API token for yourself; its value is in this response only."""
    from qorgau.core.errors import ValidationFailed

    try:
        token, plain = security.create_api_token(db, user=user, name=body.name, scopes=list(body.scopes),
                                                 expires_days=body.expires_days)
    except ValueError as error:
        raise ValidationFailed(str(error), field="scopes")
    db.commit()
    return {**_token_out(token), "token": plain}


@router.delete("/api/v1/tokens/{token_id}", response_model=TokenOut, tags=["platform"])
def revoke_token(token_id: IdPath, user: User = Depends(writer), db: Session = Depends(get_db)):
    """Revoke one of your tokens (an administrator may revoke anyone's)."""
    token = security.revoke_token_of(db, actor=user, token_id=token_id)
    db.commit()
    return _token_out(token)
