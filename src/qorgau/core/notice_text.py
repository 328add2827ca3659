"""The words of a notification in the reader's language: stored as message ids and parameters (core.notify),
rendered when shown, on a page or in an e-mail."""

from __future__ import annotations

from datetime import date
from typing import Any

from qorgau.core import i18n


def _fill(value: Any) -> Any:
    if isinstance(value, dict) and "msg" in value:
        return render_message(str(value["msg"]), value.get("params") or {})
    if isinstance(value, dict) and "date" in value:
        return i18n.format_date(date.fromisoformat(str(value["date"])))
    return value


def render_message(message: str, params: dict[str, Any]) -> str:
    """A message id with its parameters, in the current locale (the id itself if it cannot be filled)."""
    values = {k: _fill(v) for k, v in params.items() if not k.startswith("_")}
    try:
        return i18n.gettext(message, **values) if values else i18n.translate(message)
    except (KeyError, TypeError, ValueError):
        return message


def render(note: Any) -> tuple[str, str]:
    """(title, body) of a notification (a row of core_notification, or its fields as a dict) in the current
    locale."""
    get = note.get if isinstance(note, dict) else lambda k: getattr(note, k)
    params = get("params") or {}
    title = render_message(str(get("title") or ""), params) + str(params.get("_tail", ""))
    body = get("body") or ""
    if body and params.get("_body_msg"):
        body = render_message(body, params)
    return title, body
