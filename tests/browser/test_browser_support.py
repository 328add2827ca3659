"""Support cases on a 360-px phone: an AI filing that removes jobs opens cases with retraining matched to the
workers' occupations; a case goes from intake through a plan to re-employment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(os.environ.get("QORGAU_TEST_ARTIFACTS", "test-artifacts"))


def _sign_in(phone, base: str) -> None:
    phone.goto(base + "/lang/en?next=/login")
    phone.get_by_label("User name").fill("officer")
    phone.get_by_label("Password").fill("officer-demo-2026")
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(base + "/")


def _fits(phone) -> None:
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # nothing overflows the phone


def test_an_ai_filing_that_removes_jobs_opens_cases_with_matched_retraining(served, phone):
    from sqlalchemy import select

    from qorgau.airegister.models import Filing
    from qorgau.aiwork import reference, reskilling
    from qorgau.core.db import unit_of_work
    from qorgau.core.models import User

    base, url = served
    with unit_of_work(url, actor="test") as session:
        smelter = session.execute(select(User.scope_enterprise_id).where(User.username == "employer")).scalar_one()
        filing_id = session.execute(select(Filing.id).where(Filing.enterprise_id == smelter, Filing.jobs_removed > 0)
                                    .order_by(Filing.id)).scalars().first()
    best = reskilling.rank_targets("7212", top=1).pathways[0].isco08
    _sign_in(phone, base)
    phone.goto(f"{base}/airegister/filings/{filing_id}")
    support = phone.locator("#support")
    assert "Support for the displaced workers" in support.inner_text()
    _fits(phone)
    support.get_by_role("button", name="Open support cases for 12 workers").click()
    phone.wait_for_url("**/support/?filing=*")
    assert "Cases opened: 12." in phone.locator("#opened").inner_text()
    rows = phone.locator("#cases tbody tr")
    assert rows.count() == 12
    assert "7212" in rows.first.inner_text()
    _fits(phone)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "support-cases-from-filing-phone.png"), full_page=True)
    rows.first.get_by_role("link").click()
    phone.wait_for_url("**/support/cases/*")
    retraining = phone.locator('[data-service="retraining"]')
    assert f"{best} {reference.title(best, 'en')}" in retraining.inner_text()  # matched to the welder's occupation
    _fits(phone)
    phone.goto(f"{base}/airegister/filings/{filing_id}")
    assert phone.locator("#support-cases").inner_text() == "12"
    assert phone.locator("#support form").count() == 0  # every displaced worker has a case


def test_a_case_goes_from_intake_through_a_plan_to_re_employment(served, phone):
    from qorgau.core.db import utcnow

    base, _url = served
    today = utcnow().date()
    _sign_in(phone, base)
    phone.goto(base + "/support/new")
    assert "Synthetic data" in phone.locator("[data-synthetic]").inner_text()
    phone.get_by_label("Cause").select_option("automation")
    phone.get_by_label("Worker's reference (personnel number)").fill("TN-3131")
    phone.get_by_label("Occupation (ISCO-08 code, 4 digits)").fill("4110")
    _fits(phone)
    phone.get_by_role("button", name="Open the case").click()
    phone.wait_for_url("**/support/cases/*")
    assert phone.locator("#status").inner_text() == "intake"
    phone.get_by_role("button", name="The worker consents").click()
    phone.wait_for_load_state()
    assert phone.locator("#status").inner_text() == "in work"

    form = phone.locator("#assess form")
    form.get_by_label("Household income, tenge a month").fill("120000")
    form.get_by_label("People in the household").fill("3")
    form.get_by_label("Dependants (children, elderly or disabled relatives)").fill("1")
    form.get_by_label("Housing").select_option("rented")
    form.get_by_label("Employment").select_option("at_risk")
    form.get_by_role("button", name="Assess").click()
    phone.wait_for_load_state()
    level = phone.locator("#level-now").get_attribute("data-level")
    assert level in ("B", "C")
    assert phone.locator('#explanation [data-criterion="income"]').inner_text().find("hidden") > 0
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "support-case-level-phone.png"), full_page=True)

    placement = phone.locator('form[data-suggested="placement"]')
    placement.get_by_label("Deadline").fill((today + timedelta(days=60)).isoformat())
    placement.get_by_role("button", name="Add to the plan").click()
    phone.wait_for_load_state()
    service = phone.locator('[data-service="placement"]')
    service.get_by_role("button", name="Start").click()
    phone.wait_for_load_state()
    service = phone.locator('[data-service="placement"]')
    service.get_by_label("Outcome or comment").fill("Hired as a stock clerk at a logistics firm")
    service.get_by_role("button", name="Done").click()
    phone.wait_for_load_state()
    assert phone.locator('[data-service="placement"]').get_attribute("data-status") == "done"

    close = phone.locator("#outcome form")
    close.get_by_label("Outcome").select_option("reemployed")
    close.get_by_label("Date (re-employed on, compensation paid on)").fill(today.isoformat())
    close.get_by_role("button", name="Close the case").click()
    phone.wait_for_load_state()
    assert phone.locator("#status").inner_text() == "closed"
    assert "re-employed" in phone.locator("#outcome-now").inner_text()
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "support-case-closed-phone.png"), full_page=True)
