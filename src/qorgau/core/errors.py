"""Errors the API and the pages turn into one shape: {"error": {"code", "message", "field"}}."""

from __future__ import annotations

from qorgau.core.i18n import caller_domain, mark


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, params: dict | None = None):
        super().__init__(message)
        # An English message id, translated when shown from the catalog of the package that raised it.
        self.message = mark(message, _raiser_domain())
        self.field = field
        self.params = params or {}


class ValidationFailed(AppError):
    status = 422
    code = "validation_error"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Conflict(AppError):
    status = 409
    code = "conflict"


class TooManyRequests(AppError):
    status = 429
    code = "too_many_requests"


def _raiser_domain() -> str | None:
    return caller_domain(3, skip=(__name__,))
