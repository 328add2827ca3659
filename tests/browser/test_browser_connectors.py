"""On a 360-pixel phone: the safety manager adds a SenML gateway, a mapping line without its unit is refused
with its row and nothing is kept, the corrected mapping is saved; the state inspector sees the five pilot
enterprises connected on the roll-out page."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 362


def test_add_a_gateway_and_map_it_on_a_phone(served, phone):
    from sqlalchemy import select

    from qorgau.core.db import session_factory
    from qorgau.core.models import User
    from qorgau.monitoring.models import Sensor

    base, url = served
    session = session_factory(url)()
    employer = session.execute(select(User).where(User.username == "employer")).scalar_one()
    code = session.execute(select(Sensor.code).where(Sensor.enterprise_id == employer.scope_enterprise_id)
                           .order_by(Sensor.id)).scalars().first()
    session.close()
    _sign_in(phone, base, "employer", "employer-demo-2026")
    phone.goto(base + "/connectors/")
    phone.wait_for_url("**/connectors/enterprises/*")
    assert "Состояние подключения" in phone.locator("h1").inner_text()
    assert _fits(phone)
    phone.locator("summary", has_text="Добавить коннектор").click()
    phone.get_by_label("Название").fill("Шлюз цеха")
    phone.get_by_label("Протокол").select_option("senml_http")
    phone.get_by_role("button", name="Добавить коннектор").click()
    phone.wait_for_url(re.compile(r"/connectors/\d+$"))
    mapping = phone.locator("#m-text")
    mapping.fill(f"urn:dev:1:h2s,{code},value")
    phone.get_by_role("button", name="Сохранить сопоставление").click()
    phone.wait_for_load_state()
    error = phone.locator(".errors, .error, [role=alert]").first.inner_text()
    assert "Строка 1" in error
    assert "Пока ничего не сопоставлено." in phone.content()  # nothing was kept
    phone.locator("#m-text").fill(f"urn:dev:1:h2s,{code},value,ppm")
    phone.get_by_role("button", name="Сохранить сопоставление").click()
    phone.wait_for_load_state()
    assert "urn:dev:1:h2s" in phone.locator("table").first.inner_text()
    assert _fits(phone)


def test_rollout_on_a_phone(served, phone):
    base, _url = served
    _sign_in(phone, base, "state", "state-demo-2026")
    phone.goto(base + "/connectors/rollout?high_risk=true")
    assert phone.locator(".badge.ok").count() >= 5
    assert _fits(phone)
