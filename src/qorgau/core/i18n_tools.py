"""Find every translatable message of a package and keep its kk/ru catalogs in step.

Messages come from Python (`_`, `gettext`, `ngettext`, `N_`) and from templates (`{{ _("...") }}`,
`{% trans %}`). Used by `scripts/i18n.py` and by the test that fails on a missing translation.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from qorgau.core.i18n import CORE, PACKAGE_ROOT

APP_FOLDERS = ("app",)

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None,
            # Errors carry English message ids that are translated when shown.
            "AppError": None, "ValidationFailed": None, "NotFound": None, "Forbidden": None, "Conflict": None,
            "Unauthorized": None, "TooManyRequests": None, "Problem": (3,)}
METHOD_MAP = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
PLURAL_FORMS = {"kk": "nplurals=2; plural=(n != 1);",
                "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"}


def extract(package: str) -> dict[str, tuple[str | None, list[str]]]:
    """msgid -> (plural msgid or None, locations)."""
    found: dict[str, tuple[str | None, list[str]]] = {}
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}
    for folder, filename, lineno, message in _messages(package, options):
        if isinstance(message, tuple):
            msgid, plural = message[0], message[1] if len(message) > 1 else None
        else:
            msgid, plural = message, None
        if not msgid:
            continue
        location = f"{folder}/{filename}:{lineno}"
        previous = found.get(msgid)
        found[msgid] = (plural or (previous[0] if previous else None), (previous[1] if previous else []) + [location])
    return found


def _messages(package: str, options: dict):
    """(folder, file, line, message) of every translatable string of the package. The app floor (`qorgau.app`:
    the platform's own pages) has no catalog of its own: its words are core's."""
    for folder in [package, *APP_FOLDERS] if package == CORE else [package]:
        for filename, lineno, message, _comments, _context in extract_from_dir(
                str(PACKAGE_ROOT / folder), METHOD_MAP, options_map=options, keywords=KEYWORDS,
                callback=None, strip_comment_tags=True):
            yield folder, filename, lineno, message


def catalog_path(package: str, locale: str) -> Path:
    return PACKAGE_ROOT / package / "translations" / f"{locale}.po"


def load_catalog(package: str, locale: str) -> Catalog:
    path = catalog_path(package, locale)
    if path.exists():
        with path.open("rb") as handle:
            return read_po(handle, locale=locale)
    return Catalog(locale=locale, project="Qorgau")


def missing(package: str, locale: str) -> list[str]:
    """Message ids used in the package with no translation in its catalog."""
    catalog = load_catalog(package, locale)
    problems = []
    for msgid, (plural, _where) in extract(package).items():
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(msgid)
            continue
        strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
        if not all(strings) or (plural and not isinstance(entry.string, tuple | list)):
            problems.append(msgid)
    return problems


def update(package: str, locale: str) -> int:
    """Add new message ids (untranslated) to the catalog and drop those the code no longer uses; returns
    how many were added."""
    catalog = load_catalog(package, locale)
    catalog.locale = locale
    used = extract(package)
    for message in list(catalog):
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        if msgid and msgid not in used:
            catalog.delete(message.id)
    added = 0
    for msgid, (plural, where) in used.items():
        if catalog.get(msgid) is None:
            key = (msgid, plural) if plural else msgid
            catalog.add(key, string=("", "") if plural else "",
                        locations=[(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in where[:3]])
            added += 1
    path = catalog_path(package, locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False, sort_output=True)
    text = path.read_text(encoding="utf-8")
    if "Plural-Forms" in text:
        import re

        text = re.sub(r'"Plural-Forms: [^"]*\\n"', f'"Plural-Forms: {PLURAL_FORMS[locale]}\\\\n"', text)
        path.write_text(text, encoding="utf-8")
    return added
