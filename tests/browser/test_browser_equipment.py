"""On a 360-px phone, the employer's safety manager opens the enterprise's card in the registry and then its
equipment: the item past its service life whose wear caused an accident is on both, first and marked, with a link
to the accident."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

pytestmark = pytest.mark.browser
ARTIFACTS = Path(os.environ.get("QORGAU_TEST_ARTIFACTS", "test-artifacts"))


def _linked(url: str):
    from qorgau.core.models import User
    from qorgau.equipment.models import AccidentLink, EquipmentItem

    engine = create_engine(url)
    with Session(engine) as db:
        enterprise_id = db.execute(select(User.scope_enterprise_id).where(User.username == "employer")).scalar_one()
        item, link = db.execute(select(EquipmentItem, AccidentLink).join(AccidentLink)
                                .where(EquipmentItem.enterprise_id == enterprise_id)).first()
        found = enterprise_id, item.id, item.inventory_number, link.accident_id
    engine.dispose()
    return found


def test_an_item_past_its_life_with_a_linked_accident_shows_on_the_enterprise_page(served, phone):
    base, url = served
    enterprise_id, item_id, number, accident_id = _linked(url)
    phone.goto(base + "/lang/en?next=/login")
    phone.get_by_label("User name").fill("employer")
    phone.get_by_label("Password").fill("employer-demo-2026")
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(base + "/")
    phone.goto(f"{base}/registry/enterprises/{enterprise_id}")  # the registry's card of the enterprise
    card = phone.locator("#card-equipment")
    assert card.locator("[data-synthetic]").count() == 1  # the demo register is labelled synthetic
    line = card.locator("#card-past-life > li").first
    assert line.get_attribute("data-item") == str(item_id)
    assert number in line.inner_text() and "Accident caused by worn equipment" in line.inner_text()
    assert line.locator(f'a[href="/incidents/accidents/{accident_id}"]').count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    for link in line.get_by_role("link").all():
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    card.screenshot(path=str(ARTIFACTS / "registry-enterprise-equipment-phone.png"))
    phone.goto(base + "/equipment/")
    phone.get_by_role("link", name="My enterprise's equipment").click()
    phone.wait_for_url(f"**/equipment/enterprises/{enterprise_id}")
    first = phone.locator("#past-life > li").first
    assert first.get_attribute("data-item") == str(item_id)  # items with an accident come first
    text = first.inner_text()
    assert number in text and "Accident caused by worn equipment" in text
    accident = first.locator(f'a[href="/incidents/accidents/{accident_id}"]')
    assert accident.count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # nothing overflows the phone
    box = first.get_by_role("link").first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "equipment-enterprise-phone.png"), full_page=True)
    accident.click()
    phone.wait_for_url(f"**/incidents/accidents/{accident_id}")
    phone.go_back()
    first.get_by_role("link").first.click()
    phone.wait_for_url(f"**/equipment/items/{item_id}")
    assert "past its service life" in phone.locator("#facts").inner_text()
    assert phone.locator(f'#item-accidents a[href="/incidents/accidents/{accident_id}"]').count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
