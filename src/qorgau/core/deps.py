"""Request dependencies: the unit-of-work session and the signed-in user (cookie or API token)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.core import security
from qorgau.core.errors import Forbidden, Unauthorized
from qorgau.core.models import User


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; the route commits its unit of work, anything else is rolled back."""
    session = request.app.state.sessionmaker()
    session.info["actor"] = "anonymous"
    try:
        yield session
    finally:
        session.close()


async def form_data(request: Request) -> FormData:
    """The submitted form, parsed on the event loop (cheap, the body is already buffered), so that the
    route that uses it is a plain `def` and its work runs in the threadpool, never on the loop."""
    return await request.form()


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def load_user(request: Request, db: Session = Depends(get_db)) -> User | None:
    """Resolve the caller once per request and remember it in the request scope."""
    if "qorgau.user" in request.scope:
        return request.scope["qorgau.user"]
    user = None
    request.scope["qorgau.token_scopes"] = None
    plain = _bearer(request)
    if plain is not None:
        found = security.user_for_token(db, plain)
        if found is None:
            raise Unauthorized("The API token is unknown, expired or revoked.")
        user, token = found
        request.scope["qorgau.token_scopes"] = token.scope_list
        token.last_used_at = security.utcnow()
        db.info["actor"] = f"token:{token.prefix}:{user.username}"
    else:
        cookie = request.cookies.get(security.SESSION_COOKIE)
        data = request.app.state.signer.loads(cookie) if cookie else None
        if data:
            candidate = db.get(User, data.get("u"))
            if candidate is not None and candidate.is_active and candidate.session_epoch == data.get("e"):
                user = candidate
                db.info["actor"] = f"user:{user.username}"
    request.scope["qorgau.user"] = user
    return user


def current_user(request: Request) -> User | None:
    """The caller already resolved for this request (None when anonymous)."""
    return request.scope.get("qorgau.user")


def require_user(request: Request, user: User | None = Depends(load_user)) -> User:
    if user is None:
        raise Unauthorized("Please sign in.")
    if request.method in ("GET", "HEAD"):
        # A token limited to telemetry (a gateway in a shop) cannot read what the platform holds.
        require_scope(request, "read")
    return user


def require_scope(request: Request, needed: str) -> None:
    """An API token may be limited to read, write or telemetry; sessions have all scopes."""
    scopes = request.scope.get("qorgau.token_scopes")
    if scopes is not None and needed not in scopes and not (needed == "read" and "write" in scopes):
        raise Forbidden("This API token does not have the required scope.", params={"scope": needed})


def writer(request: Request, user: User = Depends(require_user)) -> User:
    """The user, for routes that change data (API tokens need the write scope)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        require_scope(request, "write")
    return user
