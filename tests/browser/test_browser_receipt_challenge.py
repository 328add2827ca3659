"""A worker whose receipt's first digits are under attack opens the report anyway: the browser answers the
proof of work by itself and sends the form."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_the_browser_answers_the_challenge_and_the_worker_gets_in(served, phone, monkeypatch):
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work, utcnow
    from qorgau.speaks import service
    from qorgau.speaks.models import ReceiptFailure
    from qorgau.speaks.schemas import ReportIn

    base, url = served
    monkeypatch.setenv("QORGAU_SPEAKS_RECEIPT_POW_BITS", "12")
    get_settings.cache_clear()
    try:
        with unit_of_work(url, actor="anonymous") as session:
            filed = service.submit(session=session, report_in=ReportIn(
                kind="hazard", enterprise_id=1, category="ppe", language="ru",
                description="Нет перчаток на участке травления, руки в ожогах."))
            receipt, reference = filed.receipt, filed.report.reference
            digits = receipt.replace(" ", "")
            session.add(ReceiptFailure(prefix=digits[:4], day=utcnow().date(), failures=500))
        phone.goto(base + "/speak/follow")
        phone.locator("#f-receipt").fill(receipt)
        phone.locator("form[action='/speak/follow'] button[type=submit]").click()
        phone.wait_for_url("**/speak/follow")
        phone.get_by_text(reference).wait_for(timeout=30_000)
        assert reference in phone.content()
    finally:
        get_settings.cache_clear()
