"""A worker on a 360-px phone searches the best-practice database in Kazakh and finds a practice written
only in Russian (a Kazakhstani enterprise's, synthetic demo), then opens it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_worker_searches_in_kazakh_and_finds_a_russian_practice(live_server, browser):
    # a phone whose browser speaks Kazakh
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="kk-KZ")
    page = context.new_page()
    page.goto(live_server + "/knowledge/")
    page.get_by_label("Мәселені өз сөзіңізбен сипаттаңыз").fill("конвейер барабанына қол тартылып кетті")
    page.get_by_role("button", name="Іздеу").click()
    page.wait_for_url("**/knowledge/?q=*")
    found = page.locator("#results li").filter(has_text="Ограждение натяжных барабанов ленточных конвейеров")
    found.first.wait_for()
    assert found.first.locator(".badge").first.inner_text() == "орысша"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    found.first.get_by_role("link").click()
    page.get_by_role("heading", level=1).wait_for()
    assert "натяжные и приводные барабаны" in page.content().lower()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
