"""The national demo hashes its synthetic receipt codes with light Argon2 parameters recorded in the digest;
look-ups read both kinds; everything else keeps the production parameters."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from qorgau.core import passwords


def test_demo_digests_carry_their_parameters_and_are_found(session, settings, monkeypatch):
    from qorgau.core import config
    from qorgau.registry.models import Enterprise
    from qorgau.speaks import service
    from qorgau.speaks.schemas import ReportIn

    monkeypatch.setattr(config, "get_settings", lambda: settings)
    monkeypatch.setattr(service, "get_settings", lambda: settings)
    enterprise = session.execute(select(Enterprise).order_by(Enterprise.id).limit(1)).scalar_one()
    report_in = ReportIn(enterprise_id=enterprise.id, description="A blocked emergency exit in the rolling mill")
    production = service.submit(session=session, today=date(2026, 3, 2), report_in=report_in)
    with passwords.demo_hashing():
        demo = service.submit(session=session, today=date(2026, 3, 2), report_in=report_in)
    session.commit()

    assert len(production.report.receipt_digest) == 64 and "$" not in production.report.receipt_digest
    assert passwords.parameters_of(production.report.receipt_digest) == passwords.PRODUCTION
    stored = demo.report.receipt_digest
    assert stored.startswith("a$t=1,m=1024,p=1$") and len(stored) <= 64
    assert passwords.parameters_of(stored) == passwords.DEMO
    for filed in (production, demo):
        found = service.find_by_receipt(session=session, receipt=filed.receipt)
        assert found.id == filed.report.id
