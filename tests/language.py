"""Find English words left on Kazakh and Russian pages.

`english_words(html)` lists the Latin-script words of a page's visible text (and of the attributes a
reader sees or hears: placeholder, title, aria-label, alt, button values) that are not on the
allow-list of names, codes, units and brand names. `page_urls(app, session, username)` lists every
HTML page a demo user can open, path parameters resolved from demo data as in `tests/scoping.py`.
The TestClient crawl in `tests/core/test_core_language.py` uses both; a browser crawl can call
`english_words(page.content())` on the pages it visits.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import select

from tests.scoping import NOT_SCOPED, RESOLVERS

PARAM = re.compile(r"{(\w+)(?::\w+)?}")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
# Words that are the same in every language: names, brands, units, standards and codes.
ALLOWED = {
    "qorgau", "htmx", "plotly", "csv", "xlsx", "json", "api", "pdf", "png", "jpeg", "jpg", "webp", "gif", "mqtt",
    "isco", "kato", "oked", "nace", "bin", "iin", "ppm", "mg", "dba", "db", "lux", "kg", "km", "cm", "mm", "ms",
    "ai", "eu", "ilo", "oecd", "who", "iso", "gpt", "ok", "id", "url", "sha", "utc", "gmt", "ga", "stel", "twa",
    "mac", "co", "so", "no", "nh", "h2s", "ch", "hz", "kz", "kzt", "ru", "kk", "en", "kazakhstan", "email",
    "https", "http", "www", "lfs", "mib", "kb", "mb", "gb", "min", "max", "xgboost", "lightgbm", "poisson",
    "shap", "stats", "statsmodels", "bootstrap", "ci", "gini", "eurostat", "onet", "wikipedia", "github",
    "openstreetmap", "osm", "leaflet", "sqlite", "postgresql", "argon2id", "totp", "vs", "etc", "e-mail",
    "english", "gz", "xml", "zip", "tsv", "txt", "mp4", "mp3", "ogg", "webm", "wav", "m4a", "heic", "x",
    "degc", "vol", "yaml", "coinr", "gmyrek", "et", "al", "cormack", "chao", "seber", "wald", "chapman", "exp",
    "ln", "telegram",  # units, formats, cited authors, tools and brands
}

# The demo's own data (names of people, systems and plans, report texts), not interface text.
DEMO_WORDS = frozenset({
    "probe", "demo", "federation", "admin", "analyst", "employer", "inspector", "officer", "state", "done", "vision",
    "safety", "screening", "ertis", "copper-zinc", "smelter", "unconscious", "leak", "right", "now", "urgent"})

# Pages whose body is reference text published in English only, not checked word by word.
REFERENCE_PAGES = {
    "/aiwork/occupations/1": "the ILO's ISCO-08 definition and task statements (published in English only)",
    "/audit": "the audit log shows stored field names and values as recorded",
    "/index/methodologies/new": "the methodology editor holds the YAML document (English keys and notes)",
    "/monitoring/substances": "the substance catalogue's limit sources and notes as published (EU, NIOSH)",
}
# The same page on every backend and demo run: every number in the path written as 1.
PAGE_KEY = re.compile(r"/\d+(?=/|$)")


def reference_page(path: str) -> bool:
    return PAGE_KEY.sub("/1", path) in REFERENCE_PAGES


# Names of several words, kept as written in every language (a programme, not English prose).
NAMES = ("Better Work",)


def _allowed(word: str, extra: set[str]) -> bool:
    lower = word.lower()
    if lower in ALLOWED or lower in extra:
        return True
    if word.isupper():  # an abbreviation or code: PPM, KZ-RISK, a receipt WS-NBKDGT
        return True
    return len(word) < 2


class _Visible(HTMLParser):
    SKIP = {"script", "style", "template", "noscript", "code", "pre", "kbd", "samp", "svg", "math"}
    ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.translate_no = 0
        self.stack: list[tuple[str, bool, bool]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skip = tag in self.SKIP
        # translate="no" marks names and codes (people, enterprises, units) that stay as written.
        untranslated = attributes.get("translate") == "no" or attributes.get("lang") == "en"
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "wbr", "area", "col", "base"):
            self.stack.append((tag, skip, untranslated))
            self.skipping += skip
            self.translate_no += untranslated
        if self.skipping or self.translate_no or untranslated:
            return
        for name in self.ATTRIBUTES:
            if attributes.get(name):
                self.parts.append(attributes[name] or "")
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.parts.append(attributes["value"] or "")

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, skip, untranslated = self.stack.pop()
            self.skipping -= skip
            self.translate_no -= untranslated
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self.skipping and not self.translate_no:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# E-mail addresses, web addresses, paths, identifiers (snake_case, dotted sensor codes) and anything with digits.
_NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|\S*/\S+|\b\w+(?:[._]\w+)*_\w+\b|\b[A-Za-z]\w*\.[A-Za-z]\w*\b"
                        r"|\b\w*\d\w*\b")


def english_words(html: str, allow: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Latin-script words in the visible text that are not on the allow-list (in page order, unique)."""
    text = _NOT_WORDS.sub(" ", visible_text(html))
    for name in NAMES:
        text = text.replace(name, " ")
    found: list[str] = []
    extra = {word.lower() for word in allow}
    for word in WORD.findall(text):
        if not _allowed(word, extra) and word not in found:
            found.append(word)
    return found


def page_urls(app, session, username: str) -> list[str]:
    """Every GET page (HTML, not the API) the demo user can open, ids taken from an enterprise in scope."""
    from qorgau.core.models import User
    from qorgau.registry import access
    from qorgau.registry.models import Enterprise, Site, Zone

    user = session.execute(select(User).where(User.username == username)).scalar_one()
    enterprise_id = None
    for candidate in session.execute(select(Enterprise.id).join(Site).join(Zone).distinct()
                                     .order_by(Enterprise.id)).scalars():
        if access.can_reach_enterprise(session, user, candidate):
            enterprise_id = candidate
            break
    values: dict[str, object] = dict(NOT_SCOPED)
    urls = []
    for method, path in app.state.route_table:
        if method != "GET" or path.startswith(("/api/", "/static", "/healthz", "/readyz", "/logout")):
            continue
        names = PARAM.findall(path)
        for name in names:
            if name not in values and name in RESOLVERS and enterprise_id is not None:
                values[name] = RESOLVERS[name](session, enterprise_id)
        if any(values.get(name) is None for name in names):
            continue
        urls.append(PARAM.sub(lambda m: str(values[m.group(1)]), path))
    session.commit()
    return sorted(set(urls))
