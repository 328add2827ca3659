"""An inspector on a phone records a violation with the network cut; it is kept on the phone, sent when
the connection is back, and stored once even when the phone sends it again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

COUNT = """text => fetch('/api/v1/deviations/violations?per_page=200')
  .then(r => r.json()).then(items => items.filter(v => v.description === text).length)"""


def test_violation_recorded_offline_arrives_once(live_server, phone):
    phone.goto(live_server + "/login")
    phone.get_by_label("Имя пользователя").fill("inspector")
    phone.get_by_label("Пароль").fill("inspector-demo-2026")
    phone.get_by_role("button", name="Войти").click()
    phone.goto(live_server + "/deviations/violations/new")
    assert phone.locator("#f-enterprise").input_value() == "1"  # the inspector's enterprise, remembered

    phone.context.set_offline(True)
    text = "Снято ограждение муфты насоса №3 (офлайн)"
    phone.select_option("#f-category", "machinery_equipment")
    phone.locator("input[name=severity][value=significant]").check()
    phone.get_by_label("Что нарушено", exact=False).fill(text)
    phone.locator("#capture-form button[type=submit]").click()
    outbox = phone.locator("#outbox")
    outbox.wait_for(state="visible")
    assert "Сохранено на этом телефоне" in outbox.inner_text() and outbox.inner_text().endswith("1")
    stored = phone.evaluate("localStorage.getItem('qorgau.deviations.outbox')")
    assert text in stored

    phone.context.set_offline(False)
    expect(phone.locator("#outbox")).to_contain_text("отправленные")  # (no wait_for_function: the CSP forbids eval)
    assert phone.evaluate(COUNT, text) == 1
    assert phone.evaluate("JSON.parse(localStorage.getItem('qorgau.deviations.outbox')).length") == 0

    # The same entry sent again (a response lost on the way back) is recognised by its key.
    phone.evaluate("stored => localStorage.setItem('qorgau.deviations.outbox', stored)", stored)
    phone.reload()
    expect(phone.locator("#outbox")).to_contain_text("отправленные")
    assert phone.evaluate("JSON.parse(localStorage.getItem('qorgau.deviations.outbox')).length") == 0
    assert phone.evaluate(COUNT, text) == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
