"""Kazakh, Russian and English: message catalogs (one per package), locale choice, formatting.

Catalogs are the .po files in `src/qorgau/<package>/translations/{kk,ru}.po` (English is the source
language); they are compiled in memory at start-up, so no build step is needed.

Each package is its own translation domain, so no package can change another's words: a message
written in package P (a module `qorgau.P.*` calling `_()`, a template under `P/templates`, or a
message id marked with `N_()` or raised in an error there) is looked up in P's catalog first, then in
core's. A message id that has lost its package (read back from storage, say) is looked up in every
catalog as a last resort.
"""

from __future__ import annotations

import contextvars
import io
import sys
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


CORE = "core"


class Msg(str):
    """A message id that remembers the package (translation domain) it was written in."""

    __slots__ = ("domain",)
    domain: str | None

    def __new__(cls, message: str, domain: str | None = None) -> Msg:
        made = super().__new__(cls, message)
        made.domain = domain
        return made

    def __reduce__(self):
        return (Msg, (str(self), self.domain))


def catalog_files(locale: str) -> list[Path]:
    return sorted(PACKAGE_ROOT.glob(f"*/translations/{locale}.po"))


@lru_cache(maxsize=1)
def domains() -> frozenset[str]:
    """The packages that have catalogs."""
    return frozenset(path.parent.parent.name for path in PACKAGE_ROOT.glob("*/translations/*.po"))


def domain_of_module(module: str | None) -> str | None:
    """`qorgau.risk.plan` -> "risk"; modules outside a package with catalogs -> None."""
    if not module or not module.startswith("qorgau."):
        return None
    package = module.split(".")[1]
    return package if package in domains() else CORE


def caller_domain(depth: int = 2, skip: tuple[str, ...] = ()) -> str | None:
    """The translation domain of the module `depth` frames up, skipping frames of the modules in `skip`."""
    frame = sys._getframe(depth)
    while frame is not None and frame.f_globals.get("__name__") in skip:
        frame = frame.f_back  # type: ignore[assignment]
    return domain_of_module(frame.f_globals.get("__name__")) if frame is not None else None


def _load(path: Path, locale: str) -> Translations:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


@lru_cache(maxsize=64)
def domain_translations(domain: str, locale: str) -> Translations | None:
    """One package's catalog, or None when it has none."""
    path = PACKAGE_ROOT / domain / "translations" / f"{locale}.po"
    return _load(path, locale) if path.is_file() else None


@lru_cache(maxsize=8)
def translations(locale: str) -> Translations:
    """Every catalog merged (the last wins): only the last resort for a message id without a package."""
    merged: Translations | None = None
    for path in catalog_files(locale):
        loaded = _load(path, locale)
        # The first catalog is the base so that its plural rule (not the default n != 1) applies.
        merged = loaded if merged is None else merged.merge(loaded)
    return merged or Translations()


def _chain(domain: str | None, locale: str) -> list[Translations]:
    chain = []
    for name in (domain, CORE):
        if name and (found := domain_translations(name, locale)) is not None and found not in chain:
            chain.append(found)
    return chain


def _lookup(key: str | tuple[str, int], domain: str | None, locale: str) -> str | None:
    for catalog in _chain(domain, locale):
        found = catalog._catalog.get(key)  # Babel's compiled catalog: msgid (or (msgid, n)) -> text
        if found:
            return found
    found = translations(locale)._catalog.get(key)
    return found or None


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


def translate(message: str, domain: str | None = None) -> str:
    """The translation in the current locale, not yet filled with parameters. The message's own
    package (a `Msg`) wins over `domain`, the package of the code asking."""
    locale = get_locale()
    if locale == "en" or not message:
        return message
    return _lookup(message, getattr(message, "domain", None) or domain, locale) or message


def translate_plural(singular: str, plural: str, n: int, domain: str | None = None) -> str:
    locale = get_locale()
    if locale == "en":
        return singular if n == 1 else plural
    domain = getattr(singular, "domain", None) or domain
    chain = _chain(domain, locale) or [translations(locale)]
    form = chain[0].plural(n)
    return _lookup((singular, form), domain, locale) or (singular if n == 1 else plural)


def fill(text: str, params: dict) -> str:
    """`text % params`, without doubling a full stop when a value ends with one ("2026 г." + ".")."""
    for key, value in params.items():
        if isinstance(value, str) and value.endswith("."):
            text = text.replace(f"%({key})s.", f"%({key})s")
    return text % params


def gettext(message: str, **params) -> str:
    text = translate(message, caller_domain(2, skip=(__name__,)))
    return fill(text, params) if params else text


def ngettext(singular: str, plural: str, n: int, **params) -> str:
    params.setdefault("num", n)
    return fill(translate_plural(singular, plural, n, caller_domain(2, skip=(__name__,))), params)


def mark(message: str, domain: str | None = None) -> Msg:
    """A message id to translate later, tied to `domain` or to the package of the calling module."""
    if isinstance(message, Msg) and message.domain:
        return message
    return Msg(message, domain or caller_domain(2, skip=(__name__,)))


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
