"""Structured logs: one JSON object per line, with a request id on every record a request causes.

The anonymous reporting routes get no request id and no X-Request-ID header, and the access log
already skips them (core.web): nothing written about them could link a report to a connection.
`QORGAU_LOG_FORMAT=json` turns the JSON lines on; the request ids are always issued.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from fastapi import FastAPI

ANONYMOUS_PATHS = ("/speak/", "/api/v1/speaks/public")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
request_id: ContextVar[str | None] = ContextVar("qorgau_request_id", default=None)


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line: time, level, logger, message, request id, and for the access log
    the method, path, status and duration as fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                      "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        rid = request_id.get()
        if rid:
            line["request_id"] = rid
        if record.name == "qorgau.access" and isinstance(record.args, tuple) and len(record.args) == 4:
            method, path, status, ms = record.args
            line |= {"method": method, "path": path, "status": status, "duration_ms": round(float(str(ms)), 1)}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(log_format: str) -> None:
    """JSON lines on the root logger's handlers (adding one on stderr if there is none)."""
    if log_format != "json":
        return
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    root.setLevel(min(root.level or logging.INFO, logging.INFO))


class RequestIdMiddleware:
    """Issue a request id (or keep a well-formed X-Request-ID from the proxy) and return it as a header."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["path"].startswith(ANONYMOUS_PATHS):
            request_id.set(None)
            return await self.app(scope, receive, send)
        supplied = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        rid = supplied if _VALID_ID.match(supplied) else uuid.uuid4().hex
        # Set without reset: the access log line, written by the outer middleware after this returns,
        # carries the id too (each request runs in its own task, so ids never leak between requests).
        request_id.set(rid)
        scope["qorgau.request_id"] = rid

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        await self.app(scope, receive, send_wrapper)


def install(app: FastAPI) -> None:
    """Request ids and the configured log format (one line in qorgau.app.web)."""
    configure(app.state.settings.log_format)
    app.add_middleware(RequestIdMiddleware)
