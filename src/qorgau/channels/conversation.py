"""Worker Speaks in a messenger chat: the conversation, independent of any messenger's library.

A worker files a report step by step — language, workplace (name, BIN or town; or region and sector),
category or "not sure", what happened, photos and voice notes — and gets the 16-digit receipt; later the receipt
opens the union's answers and lets the worker reply.

What the platform keeps: the report, exactly as from the web form (language, no account, day only).
What it does not keep: anything about the chat. The conversation's state lives in the bot process's
memory only (the `state` dict the caller holds per chat), is dropped when the report is filed, and no
table, log line or audit entry names the chat, the account or the time of a message. The messenger
itself, however, sees the account and the messages: the bot says so first and offers the web form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from qorgau.core import i18n
from qorgau.core.db import unit_of_work
from qorgau.core.errors import AppError, TooManyRequests
from qorgau.core.i18n import gettext as _
from qorgau.registry import service as registry
from qorgau.registry.hazards import CATEGORIES
from qorgau.speaks import service as speaks

LANGUAGES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
MAX_CHOICES = 6


@dataclass
class Reply:
    text: str
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)  # rows of (label, callback data)


@dataclass
class Event:
    kind: str  # "command" | "text" | "button" | "attachment" (a photo, voice note or video)
    value: str = ""
    data: bytes = b""


def _speaks(message: str) -> str:
    return i18n.translate(message, domain="speaks")


def handle(database_url: str, state: dict, event: Event, *, web_url: str = "") -> list[Reply]:
    """The bot's answer to one event; `state` (this chat's, in memory) is updated in place."""
    if event.kind == "command" and event.value in ("start", "help"):
        state.clear()
        state["step"] = "language"
        return [Reply("Тілді таңдаңыз · Выберите язык · Choose a language",
                      [[(label, f"lang:{code}") for code, label in LANGUAGES.items()]])]
    if event.kind == "button" and event.value.startswith("lang:") and event.value[5:] in LANGUAGES:
        state.clear()
        state["lang"] = event.value[5:]
        with i18n.locale_context(state["lang"]):
            return [Reply(_privacy(web_url)), _menu()]
    lang = state.get("lang")
    if lang is None:
        return handle(database_url, state, Event("command", "start"), web_url=web_url)
    with i18n.locale_context(lang):
        if event.kind == "command" and event.value == "cancel":
            _reset(state)
            return [_menu()]
        return _step(database_url, state, event)


def _privacy(web_url: str) -> str:
    text = _("Before you write: this messenger sees your account and your messages. Qorgau keeps no link "
              "between this chat and your report — the union sees only the report, never who sent it. "
              "For stronger anonymity, use the web form without an account.")
    return f"{text}\n{web_url.rstrip('/')}/speak/" if web_url else text


def _menu() -> Reply:
    return Reply(_("What would you like to do?"),
                 [[(_("Report a hazard"), "new")], [(_("Read the answer to my report"), "follow")]])


def _reset(state: dict) -> None:
    lang = state.get("lang")
    state.clear()
    if lang:
        state["lang"] = lang


def _step(database_url: str, state: dict, event: Event) -> list[Reply]:
    step = state.get("step", "menu")
    if event.kind == "button" and event.value == "new":
        _reset(state)
        state.update(step="workplace", draft={"photos": []})
        return [Reply(_("Where do you work? Write the enterprise's name, its BIN or the town."))]
    if event.kind == "button" and event.value == "follow":
        _reset(state)
        state["step"] = "receipt"
        return [Reply(_("Write the 16-digit receipt code you were given."))]
    handler = STEPS.get(step)
    if handler is None:
        return [_menu()]
    return handler(database_url, state, event)


def _workplace(database_url: str, state: dict, event: Event) -> list[Reply]:
    if event.kind == "button" and event.value.startswith("ent:"):
        state["draft"]["enterprise_id"] = int(event.value[4:])
        return _ask_category(state)
    if event.kind == "button" and event.value == "region":
        state["step"] = "region"
        with unit_of_work(database_url, actor="anonymous") as session:
            regions = [(r.kato, i18n.localized(r, "name")) for r in registry.regions(session=session)]
        return [Reply(_("Choose the region."), [[(name, f"reg:{kato}")] for kato, name in regions])]
    if event.kind != "text":
        return [Reply(_("Where do you work? Write the enterprise's name, its BIN or the town."))]
    with unit_of_work(database_url, actor="anonymous") as session:
        found = [(e.id, i18n.localized(e, "name"), e.town or "") for e in
                 registry.public_enterprise_search(session=session, q=event.value.strip(), limit=MAX_CHOICES)]
    rows = [[(f"{name} · {town}" if town else name, f"ent:{eid}")] for eid, name, town in found]
    rows.append([(_("Not in the list: choose region and sector"), "region")])
    text = _("Choose your workplace, or write again.") if found else \
        _("Nothing found. Write again, or choose the region and sector.")
    return [Reply(text, rows)]


def _region(database_url: str, state: dict, event: Event) -> list[Reply]:
    if event.kind == "button" and event.value.startswith("reg:"):
        state["draft"]["region_kato"] = event.value[4:]
        state["step"] = "sector"
        with unit_of_work(database_url, actor="anonymous") as session:
            sectors = [(s.code, i18n.localized(s, "name")) for s in registry.sectors(session=session)]
        rows = [[(name, f"sec:{code}")] for code, name in sectors]
        rows.append([(_("I do not know the sector"), "sec:")])
        return [Reply(_("Choose the sector of the economy."), rows)]
    return [Reply(_("Choose the region."))]


def _sector(database_url: str, state: dict, event: Event) -> list[Reply]:
    if event.kind == "button" and event.value.startswith("sec:"):
        if event.value[4:]:
            state["draft"]["sector_code"] = event.value[4:]
        return _ask_category(state)
    return [Reply(_("Choose the sector of the economy."))]


def _ask_category(state: dict) -> list[Reply]:
    state["step"] = "category"
    rows = [[(_speaks(label), f"cat:{code}")] for code, label in CATEGORIES.items()]
    rows.append([(_("Not sure"), "cat:not_sure")])
    return [Reply(_("What is it about?"), rows)]


def _category(database_url: str, state: dict, event: Event) -> list[Reply]:
    code = event.value[4:] if event.kind == "button" and event.value.startswith("cat:") else ""
    if code not in CATEGORIES and code != "not_sure":
        return _ask_category(state)
    state["draft"]["category"] = code
    state["step"] = "text"
    return [Reply(_("Describe what happened or what is dangerous: where, what, since when. "
                     "Do not write names if you do not have to."))]


def _text(database_url: str, state: dict, event: Event) -> list[Reply]:
    text = event.value.strip() if event.kind == "text" else ""
    if len(text) < 10:
        return [Reply(_("Describe what happened in at least 10 characters."))]
    state["draft"]["description"] = text[:10_000]
    state["step"] = "photos"
    return [Reply(_("Add photos or voice notes if you have them (up to 5; everything that could identify the "
                     "phone is removed), or send the report now."), [[(_("Send the report"), "send")]])]


def _photos(database_url: str, state: dict, event: Event) -> list[Reply]:
    photos = state["draft"]["photos"]
    if event.kind == "attachment":
        if len(photos) >= speaks.MAX_PHOTOS:
            return [Reply(_("At most 5 photos or recordings can be attached."), [[(_("Send the report"), "send")]])]
        photos.append(event.data)
        return [Reply(_("Added (%(count)s of 5).", count=len(photos)), [[(_("Send the report"), "send")]])]
    if not (event.kind == "button" and event.value == "send"):
        return [Reply(_("Add photos or voice notes, or send the report now."), [[(_("Send the report"), "send")]])]
    draft = state["draft"]
    try:
        report_in = speaks.report_from({
            "enterprise_id": draft.get("enterprise_id"), "region_kato": draft.get("region_kato"),
            "sector_code": draft.get("sector_code"), "category": draft["category"],
            "description": draft["description"], "language": i18n.get_locale()})
        with unit_of_work(database_url, actor="anonymous") as session:
            filed = speaks.submit(session=session, report_in=report_in, photos=list(photos))
            receipt, reference = filed.receipt, filed.report.reference
    except (ValidationError, AppError) as error:
        message = _(error.message, **error.params) if isinstance(error, AppError) else \
            _("The report could not be filed: please check what you wrote.")
        _reset(state)
        return [Reply(message), _menu()]
    _reset(state)  # the draft (text, photos, workplace) leaves the bot's memory
    return [Reply(_("Your report %(reference)s has been sent to the union.", reference=reference)),
            Reply(_("Your receipt code: %(receipt)s",
                    receipt=" ".join(receipt[i:i + 4] for i in range(0, len(receipt), 4))) + "\n"
                  + _("Keep it somewhere safe and delete this message: the code is the only way back to your "
                      "report, and nobody can restore it.")),
            _menu()]


def _receipt(database_url: str, state: dict, event: Event) -> list[Reply]:
    if event.kind != "text":
        return [Reply(_("Write the 16-digit receipt code you were given."))]
    digits = speaks.normalise_receipt(event.value)
    view, error = _open(database_url, digits)
    if error:
        _reset(state)
        return [Reply(error), _menu()]
    assert view is not None
    state.update(step="thread", receipt=digits)
    lines = [_("Report %(reference)s · %(status)s", reference=view["reference"],
                status=_speaks(speaks.status_label(view["status"])))]
    for message in view["messages"]:
        who = _("You") if message["from_reporter"] else _("Union")
        lines.append(f"{i18n.format_date(message['sent_on'])} · {who}: {message['body']}")
    if not view["messages"]:
        lines.append(_("No answer yet."))
    return [Reply("\n\n".join(lines), [[(_("Reply"), "reply")], [(_("Back to the menu"), "menu")]])]


def _open(database_url: str, digits: str) -> tuple[dict | None, str]:
    failure = ""
    with unit_of_work(database_url, actor="anonymous") as session:
        try:
            report = speaks.find_by_receipt(session=session, receipt=digits)
            return speaks.reporter_view(session=session, report=report), ""
        except TooManyRequests:
            failure = _("Too many wrong codes with these first digits today. Open your report on the web form.")
        except AppError as error:
            failure = _(error.message, **error.params)  # the wrong code is counted (committed below)
    return None, failure


def _thread(database_url: str, state: dict, event: Event) -> list[Reply]:
    if event.kind == "button" and event.value == "reply":
        state["step"] = "reply"
        return [Reply(_("Write your reply to the union."))]
    _reset(state)
    return [_menu()]


def _reply(database_url: str, state: dict, event: Event) -> list[Reply]:
    body = event.value.strip() if event.kind == "text" else ""
    if not body:
        return [Reply(_("Write your reply to the union."))]
    try:
        with unit_of_work(database_url, actor="anonymous") as session:
            speaks.reporter_reply(session=session, receipt=state["receipt"], body=body[:5000])
    except AppError as error:
        _reset(state)
        return [Reply(_(error.message, **error.params)), _menu()]
    _reset(state)
    return [Reply(_("Your reply has been sent.")), _menu()]


STEPS = {"workplace": _workplace, "region": _region, "sector": _sector, "category": _category, "text": _text,
         "photos": _photos, "receipt": _receipt, "thread": _thread, "reply": _reply}
