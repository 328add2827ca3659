"""The messenger as a notification channel for linked staff accounts (see core.delivery)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy.orm import Session

from qorgau.core import i18n
from qorgau.core.config import Settings
from qorgau.core.delivery import OutsideChannel
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User

ALARM_LINK = re.compile(r"^/monitoring/alarms/(\d+)$")


def api_base(settings: Settings) -> str:
    return (settings.telegram_api or "https://api.telegram.org").rstrip("/")


def _reachable(session: Session, user: User, settings: Settings) -> bool:
    from qorgau.channels.service import link_of

    return bool(settings.telegram_token) and link_of(session, user_id=user.id) is not None


def _chat_of(session: Session, user_id: int) -> str:
    from qorgau.channels.service import link_of

    linked = link_of(session, user_id=user_id)
    return str(linked.chat_id) if linked is not None else ""


def send_telegram(message: dict[str, Any], settings: Settings) -> None:
    if not message["address"]:
        raise LookupError("the account is no longer linked to a chat")
    chat_id = int(message["address"])
    buttons = []
    with i18n.locale_context(message.get("locale") or settings.default_locale):
        alarm = ALARM_LINK.match(message.get("path") or "")
        if alarm:
            buttons.append({"text": i18n.gettext(N_("Acknowledge")), "callback_data": f"ack:alarm:{alarm.group(1)}"})
        if message["link"].startswith("http"):
            buttons.append({"text": i18n.gettext(N_("Open")), "url": message["link"]})
    text = "\n\n".join(part for part in (message["title"], message["body"]) if part)
    payload: dict[str, Any] = {"chat_id": chat_id, "text": text[:4000]}
    if buttons:
        payload["reply_markup"] = {"inline_keyboard": [buttons]}
    response = httpx.post(f"{api_base(settings)}/bot{settings.telegram_token}/sendMessage", json=payload, timeout=10)
    if response.status_code >= 300:
        raise OSError(f"Telegram answered HTTP {response.status_code}")


CHANNELS = {"messenger": OutsideChannel(label=N_("Telegram"), send=send_telegram, reachable=_reachable,
                                         address=_chat_of)}
