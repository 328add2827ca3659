"""What union staff do in the chat: link their account with a one-time code, acknowledge an alarm, send a
violation as a draft to complete on the phone page."""

from __future__ import annotations

from qorgau.channels import service
from qorgau.channels.conversation import Event, Reply
from qorgau.core import i18n
from qorgau.core.db import unit_of_work
from qorgau.core.errors import AppError
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_


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


# ---- a violation from the chat -------------------------------------------------------------------------------
# A technical inspector sends `/violation` (or a photo captioned `/violation …`), then a photo and/or a few words;
# the bot asks for the enterprise when their scope holds several, and saves a draft violation that only they see
# until they complete it on the phone page. The state (`state`, this chat's, in the bot's memory) holds the text
# and photos until the draft is saved.

CHOICES = 6
MAX_CHAT_PHOTOS = 5


def _account(session, chat_id: int):
    """The linked account, refused unless it may record violations."""
    from qorgau.core import policy
    from qorgau.core.errors import Forbidden

    user = service.linked_user(session, chat_id=chat_id)
    if not policy.allowed(user, "deviations.write"):
        raise Forbidden(N_("Your account cannot record violations."))
    return user


def violation_event(database_url: str, chat_id: int, state: dict, event: Event, *, language: str | None = None,
                    web_url: str = "") -> list[Reply]:
    """One step of recording a violation from the chat; `state` is updated in place (cleared when done)."""
    locale = _locale(language)
    try:
        with unit_of_work(database_url, actor="system:messenger") as session:
            user = _account(session, chat_id)
            locale = _locale(user.locale or language)
            with i18n.locale_context(locale):
                return _violation_step(session, user, state, event, web_url)
    except AppError as error:
        state.clear()
        with i18n.locale_context(locale):
            return [Reply(_(error.message, **error.params))]


def _ask_content() -> Reply:
    return Reply(_("Send a photo of the violation with a caption, or write what is wrong."))


def _violation_step(session, user, state: dict, event: Event, web_url: str) -> list[Reply]:
    if event.kind == "command":  # /violation, with the text after it, if any
        state.clear()
        state.update(step="content", text=event.value.strip()[:2000], photos=[event.data] if event.data else [])
        if not state["text"] and not state["photos"]:
            return [_ask_content()]
        return _choose_enterprise(session, user, state, web_url)
    step = state.get("step")
    if step == "content":
        if event.kind == "attachment":
            state["photos"] = state["photos"][:MAX_CHAT_PHOTOS - 1] + [event.data]
            state["text"] = (state["text"] or event.value.strip())[:2000]
        elif event.kind == "text" and event.value.strip():
            state["text"] = event.value.strip()[:2000]
        else:
            return [_ask_content()]
        return _choose_enterprise(session, user, state, web_url)
    if step in ("enterprise", "search"):
        if event.kind == "button" and event.value.startswith("viol:ent:") and event.value[9:].isdigit():
            return _save(session, user, state, int(event.value[9:]), web_url)
        if event.kind == "attachment" and len(state["photos"]) < MAX_CHAT_PHOTOS:
            state["photos"].append(event.data)
            return [Reply(_("Photo added. Choose the enterprise."), state.get("buttons", []))]
        if step == "search" and event.kind == "text":
            return _search(session, user, state, event.value)
        return [Reply(_("Choose the enterprise."), state.get("buttons", []))]
    state.clear()
    return [_ask_content()]


def _enterprise_rows(found) -> list[list[tuple[str, str]]]:
    return [[(f"{i18n.localized(e, 'name')} · {e.town}" if e.town else i18n.localized(e, "name"),
              f"viol:ent:{e.id}")] for e in found]


def _choose_enterprise(session, user, state: dict, web_url: str) -> list[Reply]:
    from qorgau.registry import service as registry

    found = list(session.execute(registry.enterprises_query(session=session, actor=user).limit(CHOICES + 1))
                 .scalars())
    if not found:
        state.clear()
        return [Reply(_("No enterprise is in your scope: ask the administrator to set it."))]
    if len(found) == 1:
        return _save(session, user, state, found[0].id, web_url)
    if len(found) <= CHOICES:
        state.update(step="enterprise", buttons=_enterprise_rows(found))
        return [Reply(_("At which enterprise?"), state["buttons"])]
    state.update(step="search", buttons=[])
    return [Reply(_("At which enterprise? Write its name, BIN or town."))]


def _search(session, user, state: dict, text: str) -> list[Reply]:
    from qorgau.registry import service as registry

    found = list(session.execute(registry.enterprises_query(session=session, actor=user, q=text[:100])
                                 .limit(CHOICES)).scalars()) if len(text.strip()) >= 2 else []
    if not found:
        return [Reply(_("Nothing found in your scope. Write the name, BIN or town again."))]
    state["buttons"] = _enterprise_rows(found)
    return [Reply(_("At which enterprise?"), state["buttons"])]


def _save(session, user, state: dict, enterprise_id: int, web_url: str) -> list[Reply]:
    from qorgau.deviations import service as deviations
    from qorgau.registry import service as registry

    session.info["actor"] = f"user:{user.username}"
    draft = deviations.create_draft_from_chat(session=session, actor=user, enterprise_id=enterprise_id,
                                              description=state.get("text", ""), photos=list(state.get("photos", [])))
    enterprise = registry.enterprise_by_id(session=session, enterprise_id=enterprise_id)
    state.clear()  # the text and photos leave the bot's memory: they are in the draft now
    link = f"{web_url.rstrip('/')}/deviations/violations/new?draft={draft.id}"
    return [Reply(_("Draft violation #%(id)s saved at %(enterprise)s (photos: %(photos)s). Only you see it until "
                    "you complete it: choose the category and severity and record it here:",
                    id=draft.id, enterprise=i18n.localized(enterprise, "name"), photos=len(draft.photos))
                  + "\n" + link)]
