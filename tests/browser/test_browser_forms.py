"""Forms answer on a slow network: the button is disabled and the page says it is sending, a second tap
sends nothing, and htmx still works under a Content-Security-Policy without inline script or eval."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

COUNT = """text => fetch('/api/v1/deviations/violations?per_page=200')
  .then(r => r.json()).then(items => items.filter(v => v.description === text).length)"""


def _hold_posts(page, path: str) -> list:
    """Hold every POST to `path` until the test lets it go (a very slow network)."""
    held: list = []
    page.route(f"**{path}", lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    return held


def test_violation_form_shows_it_is_sending_and_sends_once(live_server, phone):
    errors: list[str] = []
    phone.on("console", lambda m: m.type == "error" and errors.append(m.text))
    phone.goto(live_server + "/login")
    phone.get_by_label("Имя пользователя").fill("inspector")
    phone.get_by_label("Пароль").fill("inspector-demo-2026")
    phone.get_by_role("button", name="Войти").click()
    phone.wait_for_url(live_server + "/")

    phone.goto(live_server + "/deviations/violations/new")
    held = _hold_posts(phone, "/deviations/violations/new")
    text = "Нет ограждения у ленточного конвейера (медленная сеть)"
    phone.select_option("#f-category", "machinery_equipment")
    phone.locator("input[name=severity][value=significant]").check()
    phone.get_by_label("Что нарушено", exact=False).fill(text)
    submit = phone.locator("#capture-form button[type=submit]")
    with phone.expect_request(lambda r: r.method == "POST" and r.url.endswith("/deviations/violations/new")):
        submit.click(no_wait_after=True)
    expect(submit).to_be_disabled()
    assert phone.locator("#capture-form .sending-note").inner_text() == "Отправляется…"
    assert phone.locator("#capture-form").get_attribute("aria-busy") == "true"
    phone.locator("#capture-form").evaluate("form => form.requestSubmit()")  # the impatient second tap
    while not held:  # the route handler runs between Playwright calls
        phone.wait_for_timeout(50)
    held[0].continue_()
    phone.wait_for_url(re.compile(r"/deviations/violations/\d+(\?|$)"))
    assert len(held) == 1, "the second tap sent nothing"
    assert phone.evaluate(COUNT, text) == 1
    assert not errors, errors


def test_htmx_search_works_under_the_content_security_policy(live_server, phone):
    errors: list[str] = []
    phone.on("console", lambda m: m.type == "error" and errors.append(m.text))
    phone.goto(live_server + "/login")
    phone.get_by_label("Имя пользователя").fill("officer")
    phone.get_by_label("Пароль").fill("officer-demo-2026")
    phone.get_by_role("button", name="Войти").click()
    phone.wait_for_url(live_server + "/")
    phone.goto(live_server + "/registry/enterprises")
    rows = phone.locator("#rows tbody tr")
    before = rows.count()
    with phone.expect_response(lambda r: "/registry/enterprises?" in r.url and r.request.headers.get("hx-request") == "true"):
        phone.locator("#q").fill("Ерт")
    expect(rows).not_to_have_count(before)
    assert 0 < rows.count() < before
    assert not phone.evaluate("[...document.querySelectorAll('style')].some(s => s.textContent.includes('htmx'))"), \
        "htmx added no inline style element (includeIndicatorStyles is off)"
    assert not errors, errors


def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_keyboard_focus_ring_is_thick_and_contrasts_with_the_page(live_server, phone):
    phone.goto(live_server + "/")
    phone.keyboard.press("Tab")
    ring = phone.evaluate("""() => { const s = getComputedStyle(document.activeElement);
      return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor, getComputedStyle(document.body).backgroundColor]; }""")
    style, width, color, background = ring
    assert style == "solid" and width >= 3
    fg, bg = (tuple(int(x) for x in re.findall(r"\d+", c)[:3]) for c in (color, background))
    light, dark = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 3, f"focus ring {color} on {background}"
