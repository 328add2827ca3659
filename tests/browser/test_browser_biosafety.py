"""Bio-safety on a 360-px phone: a brucellosis outbreak at a meat-processing plant (the demo's synthetic cases)
is found by the detection run and its alert reaches the union officer, who reads why it was raised and
dismisses it with a reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(os.environ.get("QORGAU_TEST_ARTIFACTS", "test-artifacts"))


def _fits(phone) -> None:
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # nothing overflows the phone


def test_a_brucellosis_cluster_raises_an_alert_the_officer_reads_and_dismisses_on_a_phone(served, phone):
    from sqlalchemy import delete

    from qorgau.biosafety import service
    from qorgau.biosafety.engine.scan import Parameters
    from qorgau.biosafety.models import BioCluster
    from qorgau.core.db import unit_of_work, utcnow
    from qorgau.core.models import Notification

    base, url = served
    with unit_of_work(url, actor="test") as session:  # forget the demo's own run: detection starts afresh
        session.execute(delete(Notification).where(Notification.kind == "biosafety.cluster"))
        session.execute(delete(BioCluster))
    with unit_of_work(url, actor="job:test") as session:  # what the job `biosafety.detect` does
        run = service.detect(session=session, as_of=utcnow().date(), params=Parameters(replications=199))
        assert run.clusters >= 1

    phone.goto(base + "/lang/en?next=/login")
    phone.get_by_label("User name").fill("officer")
    phone.get_by_label("Password").fill("officer-demo-2026")
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(base + "/")
    phone.goto(base + "/notifications")
    alert = phone.get_by_role("link", name="Possible outbreak of Brucellosis").first
    assert "cases where" in alert.inner_text()
    _fits(phone)
    alert.click()
    phone.wait_for_url("**/biosafety/clusters/*")
    explanation = phone.locator("#explanation").inner_text()
    assert "Open alert" in explanation and "relative risk" in explanation and "p-value" in explanation
    facts = phone.locator("dl.facts").inner_text()
    assert "KATO" in facts and "Log likelihood ratio" in facts and "OKED C" in facts
    assert phone.locator("[data-synthetic]").count() == 1  # the demo's cases are labelled synthetic
    _fits(phone)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "biosafety-cluster-alert-phone.png"), full_page=True)
    phone.get_by_label("Reason (kept in the record)").fill("Checked with the sanitary service: one infected herd")
    phone.get_by_role("button", name="Dismiss the alert").click()
    phone.wait_for_url("**/biosafety/clusters/*")
    assert "Dismissed" in phone.locator("#explanation").inner_text()
    assert "one infected herd" in phone.locator("#decision").inner_text()
    phone.goto(base + "/biosafety/")
    assert phone.locator('#clusters tr[data-status="dismissed"]').count() >= 1
    _fits(phone)
