"""A worker on a 360-px phone searches the best-practice database in Kazakh and finds a practice written
only in Russian (a Kazakhstani enterprise's, synthetic demo), then opens it.

The Kazakh query shares no word and no stem with the Russian text (checked below with the search's own
stemming), and full-text search alone does not find the practice: the find goes through the multilingual
embeddings, not through a word the two languages happen to share."""

from __future__ import annotations

import re

import pytest

from qorgau.knowledge import search
from qorgau.knowledge.demo import RUSSIAN_ONLY

pytestmark = pytest.mark.browser

# "At the ore-processing plant a belt conveyor pulled a person in", in Kazakh words none of which the Russian
# text uses (no "конвейер", "барабан", "лента"). On the demo the practice is 4th by meaning alone and 10th of
# 65 combined; full text does not find it.
QUERY = "кен байыту фабрикасында таспалы тасымалдағыш адамды тартып кетті"
TITLE = RUSSIAN_ONLY["texts"]["ru"]["title"]


def test_the_kazakh_query_shares_no_stem_with_the_russian_practice():
    russian = re.findall(r"\w+", search.body_of(RUSSIAN_ONLY["texts"]["ru"]).lower())
    assert set(RUSSIAN_ONLY["texts"]) == {"ru"}
    # the full-text search's own terms (six-letter prefixes) match none of the Russian words ...
    assert not [term for term in search.words(QUERY) if any(word.startswith(term) for word in russian)]
    # ... and no query word even begins with the same four letters as a Russian one
    assert not {w[:4] for w in re.findall(r"\w+", QUERY.lower()) if len(w) >= 4} & {w[:4] for w in russian}


def test_worker_searches_in_kazakh_and_finds_a_russian_practice(live_server, browser):
    # a phone whose browser speaks Kazakh
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="kk-KZ")
    page = context.new_page()
    page.goto(live_server + "/knowledge/")
    page.get_by_label("Мәселені өз сөзіңізбен сипаттаңыз").fill(QUERY)
    page.get_by_role("button", name="Іздеу").click()
    page.wait_for_url("**/knowledge/?q=*")
    found = page.locator("#results li").filter(has_text=TITLE)
    found.first.wait_for()
    assert found.first.locator(".badge").first.inner_text() == "орысша"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    search_url = page.url

    # full text alone does not find it: the combined search found it through the embeddings
    page.goto(search_url + "&mode=fulltext")
    page.locator("#results, main").first.wait_for()
    assert page.locator("#results li").filter(has_text=TITLE).count() == 0

    page.goto(search_url)
    found = page.locator("#results li").filter(has_text=TITLE)
    found.first.get_by_role("link").click()
    page.get_by_role("heading", level=1).wait_for()
    assert "натяжные и приводные барабаны" in page.content().lower()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
