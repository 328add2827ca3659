"""Collective agreements on a 360-px phone: an officer records an agreement, inserts a model clause and brings
it into force, and the coverage table counts it; a worker then reads the agreement without signing in."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(os.environ.get("QORGAU_TEST_ARTIFACTS", "test-artifacts"))


def _fits(phone) -> None:
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # nothing overflows the phone


def _covered(phone, base: str, sector: str) -> int:
    phone.goto(f"{base}/agreements/coverage?by=sector")
    _fits(phone)
    return int(phone.locator(f'#coverage tr[data-key="{sector}"] td[data-kind="ppe"]').get_attribute("data-count"))


def test_an_officer_adds_an_agreement_with_a_model_clause_and_a_worker_reads_it(served, phone):
    from sqlalchemy import select

    from qorgau.agreements.models import Agreement
    from qorgau.core.db import unit_of_work, utcnow
    from qorgau.core.models import User
    from qorgau.registry import access
    from qorgau.registry.models import Enterprise

    base, url = served
    today = utcnow().date()
    with unit_of_work(url, actor="test") as session:
        officer = session.execute(select(User).where(User.username == "officer")).scalar_one()
        enterprise = session.execute(select(Enterprise).where(
            access.enterprise_scope(session, officer), Enterprise.primary_union_id.is_not(None),
            Enterprise.id.not_in(select(Agreement.enterprise_id))).order_by(Enterprise.id)).scalars().first()
        enterprise_id, sector, bin_ = enterprise.id, enterprise.sector_code, enterprise.bin

    phone.goto(base + "/lang/en?next=/login")
    phone.get_by_label("User name").fill("officer")
    phone.get_by_label("Password").fill("officer-demo-2026")
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(base + "/")
    before = _covered(phone, base, sector)

    phone.goto(base + "/agreements/new")
    assert "Synthetic data" in phone.locator("[data-synthetic]").inner_text()
    phone.get_by_label("Enterprise").select_option(str(enterprise_id))
    phone.get_by_label("Employer's representative").fill("Генеральный директор")
    phone.get_by_label("Title").fill("Коллективный договор на 2026–2029 годы")
    phone.get_by_label("Signed on").fill((today - timedelta(days=3)).isoformat())
    phone.get_by_label("In force from", exact=True).fill((today - timedelta(days=1)).isoformat())
    phone.get_by_label("In force until").fill((today + timedelta(days=3 * 365)).isoformat())
    _fits(phone)
    phone.get_by_role("button", name="Create the draft").click()
    phone.wait_for_url("**/agreements/*")
    assert phone.locator("#status").inner_text().startswith("draft")

    phone.get_by_label("Model clause", exact=True).select_option("ppe-norms")
    phone.get_by_label("Clause number", exact=True).first.fill("6.1")
    phone.get_by_role("button", name="Insert the model clause").click()
    phone.wait_for_load_state()
    clause = phone.locator('.clause[data-kind="ppe"]')
    assert "Работники бесплатно обеспечиваются" in clause.inner_text()
    _fits(phone)
    phone.get_by_label("Change the status").select_option("in_force")
    phone.get_by_role("button", name="Change", exact=True).click()
    phone.wait_for_load_state()
    assert phone.locator("#status").inner_text().startswith("in force")
    assert phone.locator("#score").inner_text() == "20 %"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "agreement-phone.png"), full_page=True)

    assert _covered(phone, base, sector) == before + 1  # the coverage counts the new agreement's PPE clause

    phone.context.clear_cookies()  # a worker, not signed in
    phone.goto(f"{base}/agreements/workplace?q={bin_}")
    phone.locator(f'a[href="/agreements/workplace?enterprise={enterprise_id}"]').click()
    phone.wait_for_url("**/agreements/workplace?enterprise=*")
    assert "Коллективный договор на 2026–2029 годы" in phone.locator("#workplace-agreement").inner_text()
    assert "Работники бесплатно обеспечиваются" in phone.locator('.clause[data-kind="ppe"]').inner_text()
    _fits(phone)
