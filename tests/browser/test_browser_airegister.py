"""An employer files an AI system in the browser, the union asks and comments, the employer answers,
the vote passes with a condition, the condition falls overdue and escalates."""

from __future__ import annotations

from datetime import timedelta

import pytest

pytestmark = pytest.mark.browser


def _signed_in(browser, base: str, username: str, password: str):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU").new_page()
    page.goto(base + "/login")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
    return page


def test_filing_review_vote_with_condition_and_escalation(served, browser, phone):
    from qorgau.airegister import service
    from qorgau.core.db import unit_of_work, utcnow

    base, url = served
    today = utcnow().date()
    employer = _signed_in(browser, base, "employer", "employer-demo-2026")
    employer.goto(base + "/airegister/new")
    employer.get_by_label("Название системы").fill("Голосовой бот кадровой службы")
    employer.get_by_label("Назначение").fill("Отвечает работникам на вопросы об отпусках и графике вместо операторов.")
    employer.get_by_label("Обслуживание клиентов").check()
    employer.get_by_label("Персональные данные", exact=True).check()
    employer.get_by_label("Затрагиваемые профессии (ISCO-08)").fill("4222; 10; 5")
    employer.get_by_label("Затронуто работников").fill("10")
    employer.get_by_label("Сокращаемые рабочие места").fill("5")
    employer.get_by_label("План переподготовки и трудоустройства").fill(
        "Операторы кадровой службы; 5; Курс аналитика обращений, 160 ч; Аналитик обращений; Работодатель; "
        "2027-01-10; 2027-05-10")
    employer.get_by_role("button", name="Сохранить как черновик").click()
    employer.wait_for_url("**/airegister/filings/*")
    filing_url = employer.url
    classification = employer.locator("#classification").inner_text()
    assert "EU-ART50" not in classification  # rule codes are not shown: the rule is worded in Russian
    assert "Регламент ЕС об ИИ (2024/1689), ст. 50(1)" in classification  # the EU transparency rule fired
    employer.get_by_role("button", name="Направить в профсоюз").click()
    employer.wait_for_load_state()
    assert employer.locator("#status").inner_text() == "На рассмотрении профсоюза"

    officer = _signed_in(browser, base, "officer", "officer-demo-2026")
    officer.goto(filing_url)
    officer.get_by_label("Ваш комментарий или вопрос").fill("Сможет ли работник попросить живого специалиста?")
    officer.get_by_role("button", name="Спросить работодателя").click()
    officer.wait_for_load_state()
    officer.get_by_label("Ваш комментарий или вопрос").fill("План переподготовки поддерживаем.")
    officer.get_by_role("button", name="Комментарий", exact=True).click()
    officer.wait_for_load_state()

    employer.goto(filing_url)
    employer.get_by_label("Ваш ответ").fill("Да, по кнопке «специалист» в любой момент.")
    employer.get_by_role("button", name="Ответ", exact=True).click()
    employer.wait_for_load_state()
    discussion = employer.locator("#discussion").inner_text()
    assert "живого специалиста" in discussion and "в любой момент" in discussion and "поддерживаем" in discussion

    officer.goto(filing_url)
    officer.get_by_role("button", name="Открыть голосование").click()
    officer.wait_for_load_state()
    officer.get_by_role("button", name="Голосовать за").click()
    officer.wait_for_load_state()
    due = today + timedelta(days=1)
    officer.get_by_label("Условия одобрения").fill(f"{due.isoformat()}; Разместить памятку о боте в кадровой службе")
    officer.get_by_role("button", name="Закрыть голосование и записать решение").click()
    officer.wait_for_load_state()
    assert "Одобрено с условиями" in officer.locator("#outcome").inner_text()
    assert "открыто" in officer.locator("#conditions").inner_text()

    with unit_of_work(url, actor="system:airegister-escalation") as session:
        steps = service.escalate(session, today + timedelta(days=3))
    assert any(s["step"] == "condition_escalated" for s in steps)

    officer.reload()
    assert "просрочено" in officer.locator("#conditions").inner_text()
    assert officer.locator("#suspension").is_visible()
    assert "Просроченное условие передано выше" in officer.locator("#events").inner_text()
    public = officer.context.new_page()
    public.goto(base + "/api/v1/airegister/feed")
    assert "Голосовой бот кадровой службы" in public.content()

    # A worker finds the system and their rights on a phone, in Kazakh, without signing in.
    phone.goto(base + "/lang/kk?next=/ai-at-work/")
    phone.get_by_label("Қай жерде жұмыс істейсіз? Атауы, БСН немесе елді мекен").fill("Ертіс")
    phone.get_by_role("button", name="Табу").click()
    phone.get_by_role("link", name="«Ертіс мыс-мырыш комбинаты» АҚ").click()
    assert "Голосовой бот кадровой службы" in phone.content()
    assert "Сіздің құқықтарыңыз" in phone.locator("#rights").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
