"""What union staff do in the chat: link their account with a one-time code, acknowledge an alarm."""

from __future__ import annotations

from qorgau.channels import service
from qorgau.core import i18n
from qorgau.core.db import unit_of_work
from qorgau.core.errors import AppError
from qorgau.core.i18n import gettext as _


def _locale(candidate: str | None) -> str:
    return candidate if candidate in i18n.LOCALES else "ru"


def link_chat(database_url: str, chat_id: int, code: str, *, language: str | None = None) -> str:
    try:
        with unit_of_work(database_url, actor="system:messenger") as session:
            user = service.link(session, chat_id=chat_id, code=code)
            name, locale = user.full_name or user.username, _locale(user.locale or language)
    except AppError as error:
        with i18n.locale_context(_locale(language)):
            return _(error.message, **error.params)
    with i18n.locale_context(locale):
        return _("This chat is now linked to the account of %(name)s: alerts you choose in your notification "
                 "settings will come here.", name=name)


def acknowledge_alarm(database_url: str, chat_id: int, alarm_id: int, *, language: str | None = None) -> str:
    locale = _locale(language)
    try:
        with unit_of_work(database_url, actor="system:messenger") as session:
            locale = _locale(service.linked_user(session, chat_id=chat_id).locale or language)
            alarm = service.acknowledge_alarm(session, chat_id=chat_id, alarm_id=alarm_id)
            zone = alarm.zone.name
    except AppError as error:
        with i18n.locale_context(locale):
            return _(error.message, **error.params)
    with i18n.locale_context(locale):
        return _("Alarm in %(zone)s acknowledged: reminders and escalation stop.", zone=zone)
