"""Every page of every demo role, in Kazakh and in Russian, shows no English words (outside the
allow-list of names, codes and units of `tests/language.py`).

The English still on some pages is listed below, word by word, with the reason; the test fails on any
other English word, so a new untranslated string anywhere is caught, and the lists only shrink.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORDS
from tests.language import english_words, page_urls

# The demo's own data (names of people, systems and plans, report texts), not interface text.
DEMO_WORDS = {"probe", "demo", "federation", "admin", "analyst", "employer", "inspector", "officer", "state", "done", "vision",
              "safety", "screening", "ertis", "copper-zinc", "smelter", "retraining", "plan", "draft", "unconscious",
              "leak", "right", "now", "urgent"}

_SYNTHETIC_TABLE = {"synthetic", "employment", "of", "by", "region", "sector", "occupation", "and", "sex", "generator",
                    "aiwork", "seed", "sample", "workers", "scaled", "to", "employed", "not", "official", "statistics"}
_FILE_COLUMNS = {"enterprise", "found", "on", "category", "severity", "description", "year", "workers", "hours",
                 "form", "annual", "average", "employees", "total", "worked", "deaths", "dafw", "cases", "djtr",
                 "other", "employed", "region", "sector", "sex", "age", "band"}
_SENSORS = {"heat", "wbgt", "dust", "resp"}
_SUBSTANCES = {"sulphur", "dioxide", "commission", "directive", "carbon", "monoxide", "pocket", "guide", "hydrogen",
               "sulphide", "minute", "ceiling", "arsine", "since", "nitrogen", "table", "ammonia", "chlorine",
               "cyanide", "as", "methane", "flammable", "gas", "oxygen", "deficiency", "respirable", "particles",
               "not", "otherwise", "specified", "crystalline", "silica", "noise", "a-weighted", "sound", "level",
               "stress"}
_METHODOLOGY = {"platform", "default", "the", "methodology", "shipped", "with", "clip", "sector", "better", "work",
                "pillar", "index", "trade", "union", "safety", "version", "one", "change", "what", "coverage", "is",
                "counted", "against", "in", "every", "indicator", "counts", "an", "that", "source", "on"}

# Outstanding English, by page (every number in the path written as 1, so the same page matches on every
# backend): data the packages store or ship in English only. Each entry says why.
KNOWN_GAPS: dict[str, set[str]] = {
    # demo employment table and plan texts written in English by the aiwork demo
    "/": set(), "/aiwork/": _SYNTHETIC_TABLE, "/aiwork/tables": _SYNTHETIC_TABLE,
    "/aiwork/plans/new": _SYNTHETIC_TABLE,
    "/aiwork/plans/1": {"for", "negotiation", "built", "from", "the", "synthetic", "employment", "table", "course",
                        "on-the-job", "induction"},
    "/aiwork/tables/1/scenario": {"exp", "not", "exposed", "minimal", "all"},
    # column names of the upload formats (identifiers a file must carry)
    "/aiwork/upload": _FILE_COLUMNS, "/deviations/import/1": _FILE_COLUMNS,
    "/incidents/denominators": _FILE_COLUMNS,
    "/airegister/filings/1": {"condition", "overdue", "since"},  # a suspension reason stored as English text
    "/incidents/accidents/1": {"art"},
    "/incidents/under-reporting": {"loglinear", "hospital", "registry", "union", "multinomial", "profile",
                                   "likelihood"},
    "/index/methodologies/1": _METHODOLOGY, "/index/methodology": _METHODOLOGY,
    # sensor quantities and the substance catalogue's reference names and sources are English in the shipped data
    "/monitoring/alarms": _SENSORS, "/monitoring/alarms/1": _SENSORS | {"level", "limit", "user"},
    "/monitoring/enterprises/1": _SENSORS, "/monitoring/enterprises/1/live": _SENSORS,
    "/monitoring/enterprises/1/dead-letters": {"topic"},
    "/monitoring/zones/1": _SENSORS | _SUBSTANCES, "/speaks/stats": {"category"},
}
KNOWN_GAPS["/"] = _SENSORS
# Pages whose body is reference text published in English only, not checked word by word.
REFERENCE_PAGES = {
    "/aiwork/occupations/1": "the ILO's ISCO-08 definition and task statements (published in English only)",
    "/audit": "the audit log shows stored field names and values as recorded",
    "/index/methodologies/new": "the methodology editor holds the YAML document (English keys and notes)",
    "/monitoring/substances": "the substance catalogue's limit sources and notes as published (EU, NIOSH)",
}


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_no_english_words_on_any_page(app, session, sign_in, locale):
    problems: dict[str, list[str]] = {}
    visited = 0
    for username in sorted(PASSWORDS):
        client = sign_in(username)
        client.cookies.set("lang", locale)
        for url in page_urls(app, session, username):
            response = client.get(url, follow_redirects=False)
            if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue
            page = re.sub(r"/\d+(?=/|$)", "/1", url)
            if page in REFERENCE_PAGES:
                continue
            visited += 1
            words = english_words(response.text, DEMO_WORDS | KNOWN_GAPS.get(page, set()))
            if words:
                problems.setdefault(url, [])
                problems[url] += [w for w in words if w not in problems[url]]
    assert visited > 50
    report = "\n".join(f"{url}: {' '.join(words[:25])}" for url, words in sorted(problems.items()))
    assert not problems, f"English words on {len(problems)} {locale} pages:\n{report}"


def test_the_check_finds_english_and_spares_names_codes_and_units():
    html = ('<nav aria-label="Main menu"><a href="/x">Кәсіпорындар</a></nav><p>Датчик zn1.heat_wbgt, 5 mg/m3, '
            'ISCO 2411, <span translate="no">Ertis Smelter</span> <code>not_sure</code> Submit</p>'
            '<input type="submit" value="Send"><img alt="Photo of the site">')
    assert english_words(html) == ["Main", "menu", "Submit", "Send", "Photo", "of", "the", "site"]
