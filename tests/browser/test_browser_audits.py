"""A social audit on a 360-px phone: planned and the parties invited, fieldwork answered with the network cut
(kept on the phone, sent when the connection is back), findings scored, a finding recorded as a violation,
the summary sent to the employer, the employer's reply, and publication with the reply beside the summary."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

OUTBOX_LENGTH = "audit => (JSON.parse(localStorage.getItem('qorgau.audits.outbox.' + audit)) || []).length"


def _sign_in(page, base, username, password):
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()


def _step(page, name):
    page.get_by_role("button", name=name, exact=True).click()


def test_social_audit_from_invitation_to_publication_on_a_phone(live_server, phone):
    _sign_in(phone, live_server, "officer", "officer-demo-2026")
    phone.goto(live_server + "/audits/")
    phone.locator("details summary", has_text="Запланировать аудит").click()
    phone.select_option("#f-enterprise", "1")
    phone.locator("form[action='/audits/new'] button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/audits/\d+$"))
    audit = phone.url.rstrip("/").rsplit("/", 1)[1]
    expect(phone.locator("h1")).to_contain_text("Социальный аудит № " + audit)

    _step(phone, "Пригласить стороны")
    expect(phone.locator("#parties")).to_contain_text("ответа пока нет")
    phone.locator("#parties").get_by_role("button", name="Принял").first.click()
    phone.locator("#parties").get_by_role("button", name="Отказался").last.click()
    expect(phone.locator("#parties")).to_contain_text("принял")
    expect(phone.locator("#parties")).to_contain_text("отказался")
    _step(phone, "Начать выездной этап")
    phone.get_by_role("link", name="Открыть выездной этап на этом телефоне").click()
    expect(phone.locator("h1")).to_contain_text("Выездной этап")

    # Fieldwork with the network cut: every answer is kept on the phone.
    phone.context.set_offline(True)
    points = phone.locator("fieldset[data-point]")
    total = points.count()
    assert total >= 40
    for number in range(total):
        point = points.nth(number)
        name = point.get_attribute("data-point")
        value = "no" if name == "osh.ppe" else ("3" if name.startswith("mgmt.") else "yes")
        point.locator(f"input[type=radio][value='{value}']").check()
    phone.locator("#interview-form input[name='iv-iv.ppe'][value=no]").check()
    phone.get_by_role("button", name="Сохранить интервью").click()
    status = phone.locator("#fw-status")
    expect(status).to_be_visible()
    assert phone.evaluate(OUTBOX_LENGTH, audit) == total + 1
    assert "Сохранено на этом телефоне" in status.inner_text() or "Интервью сохранено" in status.inner_text()
    expect(phone.locator("#fw-progress")).to_contain_text(f"{total} из {total}")

    # Back online: the outbox is sent (each answer once) and emptied.
    phone.context.set_offline(False)
    expect(status).to_contain_text("Все ответы отправлены", timeout=60_000)
    assert phone.evaluate(OUTBOX_LENGTH, audit) == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.reload()
    expect(phone.locator("#fw-progress")).to_contain_text(f"Отвечено пунктов: {total} из {total}")

    phone.get_by_role("link", name="Назад к аудиту").click()
    _step(phone, "Завершить выездной этап и подсчитать оценки")
    expect(phone.locator("#scores")).to_contain_text("Общая")
    expect(phone.locator("#interviews")).to_contain_text("интервью меньше 5")  # one interview: suppressed
    finding = phone.locator("#findings article").first
    expect(finding).to_contain_text("средствами индивидуальной защиты")
    finding.get_by_role("button", name="Оформить как нарушение").click()
    expect(phone.locator("#findings")).to_contain_text("Нарушение №")
    phone.locator("#f-summary").fill("Средства защиты выдаются не по нормам; остальное соответствует.")
    _step(phone, "Сохранить итоги")
    _step(phone, "Направить замечания работодателю")
    expect(phone.locator("main, body").first).to_contain_text("ожидает ответа работодателя")

    # The employer's right of reply.
    _sign_in(phone, live_server, "employer", "employer-demo-2026")
    phone.goto(f"{live_server}/audits/{audit}")
    phone.locator("#f-reply").fill("Согласны: СИЗ будут закуплены до конца месяца.")
    _step(phone, "Сохранить ответ")
    expect(phone.locator("#summary")).to_contain_text("Согласны: СИЗ будут закуплены")

    _sign_in(phone, live_server, "officer", "officer-demo-2026")
    phone.goto(f"{live_server}/audits/{audit}")
    _step(phone, "Опубликовать итоги")
    expect(phone.locator("body")).to_contain_text("опубликован")
    summary = phone.locator("#summary")
    expect(summary).to_contain_text("Средства защиты выдаются не по нормам")
    expect(summary).to_contain_text("Согласны: СИЗ будут закуплены")
    expect(summary.get_by_role("link", name="на казахском")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
