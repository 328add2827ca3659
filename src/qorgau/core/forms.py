"""The one validate → error → re-render cycle of every HTML form.

    return forms.submit(db, lambda: service.add_clause(session=db, actor=user, ...),
                        done=lambda clause: RedirectResponse(f"/agreements/{clause.agreement_id}", 303),
                        again=lambda message, field: agreement_page(request, ..., message, field))

The service call either succeeds (its result goes to `done`, usually a redirect) or raises an AppError: the
transaction is rolled back, the error is put in the reader's language and the form is shown again with it,
marked at its field, answered 422 (or the error's own status when it is a 403/404/409)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session
from starlette.responses import Response

from qorgau.core.errors import AppError
from qorgau.core.i18n import gettext

T = TypeVar("T")


def message(error: AppError) -> str:
    """The error's message in the reader's language, with its parameters."""
    return gettext(error.message, **error.params) if error.params else gettext(error.message)


def submit(db: Session, action: Callable[[], T], *, done: Callable[[T], Response],
           again: Callable[[str, str], Response]) -> Response:
    try:
        result = action()
    except AppError as error:
        db.rollback()
        response = again(message(error), error.field or "")
        response.status_code = error.status if error.status in (403, 404, 409) else 422
        return response
    return done(result)
