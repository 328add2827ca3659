"""The platform's middleware (locale, CSRF, access log without addresses) and its one shape of errors; the app
that mounts them with every router is built in qorgau.app.web."""

from __future__ import annotations

import contextlib
import hmac
import logging
import secrets
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request as StarletteRequest

from qorgau.core import i18n, security
from qorgau.core.config import Settings
from qorgau.core.errors import AppError
from qorgau.core.i18n_markers import N_
from qorgau.core.templating import render

access_log = logging.getLogger("qorgau.access")
problems = logging.getLogger("qorgau.web")
DATABASE_UNAVAILABLE = N_("The service is briefly unavailable (the database does not answer). Nothing you sent "
                          "was saved; try again in a minute.")
STATIC_DIR = Path(__file__).resolve().parent / "static"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The anonymous reporting channel leaves no trace in the access log, not even a time.
ANONYMOUS_PATHS = ("/speak/", "/api/v1/speaks/public")


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    problems: list[dict] | None = Field(None, description="Row-level problems of an import: row, column, reason")


class ErrorOut(BaseModel):
    """The one error shape of the API."""

    error: ErrorDetail


ERROR_RESPONSES = {
    400: {"description": "Malformed request", "model": ErrorOut},
    401: {"description": "Not signed in", "model": ErrorOut},
    403: {"description": "Not allowed", "model": ErrorOut},
    404: {"description": "Not found or outside your scope", "model": ErrorOut},
    409: {"description": "Conflicts with existing data", "model": ErrorOut},
    413: {"description": "Too large", "model": ErrorOut},
    422: {"description": "Invalid input", "model": ErrorOut},
    429: {"description": "Too many requests", "model": ErrorOut},
    503: {"description": "The database is unavailable for a moment; retry later", "model": ErrorOut},
}


def _cookies(scope) -> dict[str, str]:
    raw = b"; ".join(v for k, v in scope["headers"] if k == b"cookie").decode("latin-1")
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:
        return {}
    return {k: m.value for k, m in jar.items()}


def _header(scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


def is_secure(scope, settings: Settings) -> bool:
    if settings.secure_cookies is not None:
        return settings.secure_cookies
    return scope.get("scheme") == "https" or _header(scope, b"x-forwarded-proto") == "https"


class PlatformMiddleware:
    """Locale choice, the double-submit CSRF check on every unsafe request, and an access log.

    The access log never records a client address or user agent: the reporting channel must not be
    able to identify a worker, so no route does.
    """

    def __init__(self, app, settings: Settings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        cookies = _cookies(scope)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        locale = (query.get("lang", [None])[0] or cookies.get("lang")
                  or i18n.best_match(_header(scope, b"accept-language"), self.settings.default_locale))
        if locale not in i18n.LOCALES:
            locale = self.settings.default_locale
        token = i18n.set_locale(locale)
        csrf = cookies.get(security.CSRF_COOKIE) or ""
        new_csrf = "" if csrf else secrets.token_urlsafe(32)
        # Kept as scope keys (not scope["state"], which some servers copy per layer).
        scope["qorgau.csrf_token"] = csrf or new_csrf
        scope["qorgau.locale"] = locale
        status_holder = {"status": 500}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                if new_csrf:
                    flags = "; Path=/; SameSite=Lax" + ("; Secure" if is_secure(scope, self.settings) else "")
                    headers = list(message.get("headers", []))
                    headers.append((b"set-cookie", f"{security.CSRF_COOKIE}={new_csrf}{flags}".encode()))
                    message["headers"] = headers
            await send(message)

        try:
            if b"%00" in scope.get("query_string", b""):
                response = _error_response(scope, 400, "bad_request", N_("The address contains a NUL character."))
                return await response(scope, receive, send_wrapper)
            if scope["method"] in UNSAFE_METHODS:
                body = await self._buffer_body(scope, receive)
                if body is None:
                    response = _error_response(scope, 413, "too_large", N_("The upload is larger than %(n)s MB."),
                                               params={"n": self.settings.upload_max_bytes // (1024 * 1024)})
                    return await response(scope, receive, send_wrapper)
                receive = _replay(body, receive)
                problem = await self._check_csrf(scope, body, csrf) if _needs_csrf_check(scope, cookies) else None
                if problem:
                    response = _error_response(scope, 403, "csrf_failed", problem)
                    return await response(scope, receive, send_wrapper)
            await self.app(scope, receive, send_wrapper)
        finally:
            i18n._current.reset(token)
            if not scope["path"].startswith(ANONYMOUS_PATHS):
                access_log.info("%s %s %s %.1fms", scope["method"], scope["path"], status_holder["status"],
                                (time.perf_counter() - started) * 1000)

    @property
    def body_limit(self) -> int:
        return self.settings.upload_max_bytes + 1_000_000  # the files plus the form around them

    async def _buffer_body(self, scope, receive) -> bytes | None:
        """The whole body, or None past the limit (judged on the declared length first): answered 413."""
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.body_limit:
            return None
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.body_limit:
                return None
            if not message.get("more_body"):
                break
        return b"".join(chunks)

    async def _check_csrf(self, scope, body: bytes, expected: str):
        """Find the token (header or form field) in the buffered body; the problem, or None."""
        supplied = _header(scope, b"x-csrf-token")
        content_type = _header(scope, b"content-type")
        if not supplied and content_type.startswith("application/x-www-form-urlencoded"):
            supplied = parse_qs(body.decode("utf-8", "replace")).get("csrf_token", [""])[0]
        elif not supplied and content_type.startswith("multipart/form-data"):
            form = await StarletteRequest(scope, _replay(body, None)).form()
            supplied = str(form.get("csrf_token") or "")
            await form.close()
        if not expected or not supplied or not hmac.compare_digest(expected, supplied):
            return N_("The form has expired or was not sent from this site. Reload the page and try again.")
        return None


def _replay(body: bytes, receive):
    """A receive channel that gives the buffered body once, then whatever the client sends (disconnect)."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if receive is None:
            return {"type": "http.disconnect"}
        return await receive()

    return replay


def _needs_csrf_check(scope, cookies: dict[str, str]) -> bool:
    """Forms always; API calls only when a session cookie could lend them authority (a bearer token or a
    cookieless anonymous call cannot be forged across sites)."""
    if _header(scope, b"authorization").lower().startswith("bearer "):
        return False
    return not (scope["path"].startswith("/api/") and security.SESSION_COOKIE not in cookies)


def _wants_json(scope_or_request) -> bool:
    path = scope_or_request["path"] if isinstance(scope_or_request, dict) else scope_or_request.url.path
    return path.startswith("/api/") or path in ("/healthz", "/readyz")


def error_body(code: str, message: str, field: str | None = None, params: dict | None = None) -> dict:
    text = i18n.gettext(message)
    if params:
        with contextlib.suppress(KeyError, TypeError, ValueError):
            text = text % params
    return {"error": {"code": code, "message": text, "field": field}}


def _error_response(scope, status: int, code: str, message: str, field: str | None = None,
                    params: dict | None = None) -> Response:
    if _wants_json(scope):
        return JSONResponse(error_body(code, message, field, params), status_code=status)
    request = Request(scope)
    body = error_body(code, message, field, params)["error"]
    return render(request, "error.html", {"status": status, "message": body["message"], "field": field},
                  status_code=status)


# Pydantic's English messages, by error type, as message ids in the reader's language.
VALIDATION_MESSAGES = {
    "int_parsing": N_("Enter a whole number."), "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."), "decimal_parsing": N_("Enter a number."),
    "bool_parsing": N_("Choose yes or no."), "missing": N_("This field is required."),
    "date_parsing": N_("Enter a date as YYYY-MM-DD."), "date_from_datetime_parsing": N_("Enter a date as YYYY-MM-DD."),
    "datetime_parsing": N_("Enter a date and time."), "datetime_from_date_parsing": N_("Enter a date and time."),
    "string_too_short": N_("This field is too short."), "string_too_long": N_("This text is too long (at most %(max_length)s characters)."),
    "greater_than": N_("The value must be greater than %(gt)s."), "greater_than_equal": N_("The value must be at least %(ge)s."),
    "less_than": N_("The value must be less than %(lt)s."), "less_than_equal": N_("The value must be at most %(le)s."),
    "enum": N_("Choose one of the offered values."), "literal_error": N_("Choose one of the offered values."),
    "extra_forbidden": N_("This field is not expected here."), "string_type": N_("Enter text."),
    "int_type": N_("Enter a whole number."), "list_type": N_("Enter a list of values."),
    "too_long": N_("Too many values."), "too_short": N_("Too few values."),
    "string_pattern_mismatch": N_("The value does not have the expected form."),
}


def validation_message(error: dict) -> tuple[str, dict]:
    """A pydantic error as a translatable message id and its parameters (numbers in the locale's form)."""
    message = VALIDATION_MESSAGES.get(error.get("type", ""), N_("The value is not valid."))
    params = {key: i18n.format_number(value) if isinstance(value, int | float) else str(value)
              for key, value in (error.get("ctx") or {}).items()}
    return message, params


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, error: AppError):
        if error.status == 401 and not _wants_json(request.scope):
            target = request.url.path + (("?" + request.url.query) if request.url.query else "")
            return RedirectResponse(f"/login?next={target}", status_code=303)
        return _error_response(request.scope, error.status, error.code, error.message, error.field, error.params)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError):
        first = error.errors()[0] if error.errors() else {}
        location = [str(part) for part in first.get("loc", []) if part not in ("body", "query", "path", "form")]
        field = ".".join(location) or None
        message, params = validation_message(first)
        return _error_response(request.scope, 422, "validation_error", message, field, params)

    @app.exception_handler(DataError)
    async def data_error(request: Request, error: DataError):
        # e.g. a NUL character, which PostgreSQL text cannot hold: the input, not the server, is at fault.
        return _error_response(request.scope, 422, "validation_error", N_("The input contains characters that cannot be stored."))

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, error: IntegrityError):
        # Two requests wrote the same unique thing at the same moment (the same file imported twice, a form
        # sent from two tabs): the one that lost is told so, and nothing of it was kept.
        problems.info("unique conflict on %s %s", request.method, request.url.path)
        return _error_response(request.scope, 409, "conflict", N_("The same data was just saved by another "
                                                                   "request; nothing was saved twice. Reload to see it."))

    async def database_unavailable(request: Request, error: Exception):
        # An outage (or every connection busy) is the server's state, not a bug: a clean, translated 503
        # that tells the client to come back; the pool's pre-ping brings the app back by itself after it.
        problems.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                         type(error).__name__)
        response = _error_response(request.scope, 503, "database_unavailable", DATABASE_UNAVAILABLE)
        response.headers["Retry-After"] = "30"
        return response

    for error_class in (OperationalError, InterfaceError, DisconnectionError, PoolTimeout):
        app.add_exception_handler(error_class, database_unavailable)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 413: "too_large", 429: "too_many_requests"}
        message = error.detail if isinstance(error.detail, str) else N_("Request failed.")
        if error.status_code == 404:
            message = N_("Not found.")
        return _error_response(request.scope, error.status_code, codes.get(error.status_code, "error"), message)
