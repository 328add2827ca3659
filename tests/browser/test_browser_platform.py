"""A union officer signs in on a phone and switches the language."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(os.environ.get("QORGAU_TEST_ARTIFACTS", "test-artifacts"))


def test_officer_signs_in_on_a_phone_and_switches_language(live_server, phone):
    phone.goto(live_server + "/")
    assert phone.locator("html").get_attribute("lang") == "ru"  # the browser asked for Russian
    phone.get_by_role("link", name="Войти").first.click()
    phone.get_by_label("Имя пользователя").fill("officer")
    phone.get_by_label("Пароль").fill("officer-demo-2026")
    phone.get_by_role("button", name="Войти").click()
    phone.wait_for_load_state()
    phone.wait_for_url(live_server + "/")
    assert phone.get_by_role("heading", level=1).inner_text().startswith("Здравствуйте")
    assert "Сотрудник профсоюза" in phone.content()
    # Nothing overflows a 360-pixel screen horizontally.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    phone.get_by_role("link", name="Қазақша").click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "kk"
    assert phone.get_by_role("heading", level=1).inner_text().startswith("Сәлеметсіз бе")
    assert "Кәсіподақ қызметкері" in phone.content()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "home-officer-kk-phone.png"), full_page=True)

    # The menu works by keyboard and by touch; the enterprises page answers in Kazakh.
    phone.get_by_text("Мәзір").click()
    phone.get_by_role("link", name="Кәсіпорындар", exact=True).click()
    assert phone.get_by_role("heading", level=1).inner_text() == "Кәсіпорындар"


def test_wrong_password_is_explained_in_the_chosen_language(live_server, phone):
    phone.goto(live_server + "/lang/en?next=/login")
    phone.get_by_label("User name").fill("officer")
    phone.get_by_label("Password").fill("wrong-password-1")
    phone.get_by_role("button", name="Sign in").click()
    assert phone.get_by_role("alert").inner_text() == "Wrong user name or password."
