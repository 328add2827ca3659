"""Every page of every demo role, in Kazakh and in Russian, shows no English words (outside the
allow-list of names, codes and units of `tests/language.py`).

Only the demo's own names and a few pages of reference text published in English are spared; any other
English word fails the test, so a new untranslated string anywhere is caught.
"""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORDS
from tests.language import DEMO_WORDS, english_words, page_urls, reference_page


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
            if reference_page(url):
                continue
            visited += 1
            words = english_words(response.text, DEMO_WORDS)
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
