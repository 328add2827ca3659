"""Kazakh, Russian and English: message catalogs (one per package), locale choice, formatting.

Catalogs are the .po files in `src/qorgau/<package>/translations/{kk,ru}.po` (English is the source
language); they are compiled in memory at start-up, so no build step is needed.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("kk", "ru", "en")
LOCALE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
# Babel locales for formatting: the Kazakhstan variants print tenge as ₸.
BABEL_LOCALES = {"kk": "kk_KZ", "ru": "ru_KZ", "en": "en"}
PACKAGE_ROOT = Path(__file__).resolve().parent.parent

_current = contextvars.ContextVar("qorgau_locale", default="en")


def catalog_files(locale: str) -> list[Path]:
    return sorted(PACKAGE_ROOT.glob(f"*/translations/{locale}.po"))


@lru_cache(maxsize=8)
def translations(locale: str) -> Translations:
    merged: Translations | None = None
    for path in catalog_files(locale):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        loaded = Translations(fp=buffer)
        # The first catalog is the base so that its plural rule (not the default n != 1) applies.
        merged = loaded if merged is None else merged.merge(loaded)
    return merged or Translations()


def get_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> contextvars.Token:
    return _current.set(locale if locale in LOCALES else "en")


@contextmanager
def locale_context(locale: str) -> Iterator[None]:
    token = set_locale(locale)
    try:
        yield
    finally:
        _current.reset(token)


def translate(message: str) -> str:
    """The translation in the current locale, not yet filled with parameters."""
    return message if get_locale() == "en" else translations(get_locale()).gettext(message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    locale = get_locale()
    if locale == "en":
        return singular if n == 1 else plural
    return translations(locale).ngettext(singular, plural, n)


def gettext(message: str, **params) -> str:
    text = translate(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params) -> str:
    params.setdefault("num", n)
    return translate_plural(singular, plural, n) % params


_ = gettext


def best_match(accept_language: str | None, default: str = "ru") -> str:
    """Pick kk, ru or en from an Accept-Language header, honouring q-values."""
    if not accept_language:
        return default
    weighted = []
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for piece in pieces[1:]:
            if piece.strip().startswith("q="):
                try:
                    quality = float(piece.strip()[2:])
                except ValueError:
                    quality = 0.0
        weighted.append((-quality, position, tag.split("-")[0]))
    for _q, _p, language in sorted(weighted):
        if language in LOCALES:
            return language
    return default


def babel_locale(locale: str | None = None) -> Locale:
    return Locale.parse(BABEL_LOCALES.get(locale or get_locale(), "en"))


def format_date(value: date | datetime | None, format: str = "medium") -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.date()
    return dates.format_date(value, format=format, locale=babel_locale())


def format_datetime(value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return "—"
    return dates.format_datetime(value, format=format, locale=babel_locale(), tzinfo=dates.get_timezone("Asia/Almaty"))


def format_number(value: float | int | None, digits: int | None = None) -> str:
    if value is None:
        return "—"
    if digits is not None:
        return numbers.format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0",
                                      locale=babel_locale())
    return numbers.format_decimal(value, locale=babel_locale())


def format_percent(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    pattern = "#,##0%" if digits == 0 else "#,##0." + "0" * digits + "%"
    return numbers.format_percent(value, format=pattern, locale=babel_locale())


def localized(obj, field: str, locale: str | None = None) -> str:
    """obj.<field>_<locale>, falling back to Russian, English and Kazakh in that order."""
    locale = locale or get_locale()
    for candidate in (locale, "ru", "en", "kk"):
        value = getattr(obj, f"{field}_{candidate}", None)
        if value:
            return value
    return ""
