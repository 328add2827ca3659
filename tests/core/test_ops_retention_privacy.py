"""Retention periods enforced by the daily job (counts in the audit log), listed on a page in kk/ru/en;
a signed-in person's own data: seen, exported, corrected on request."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from qorgau.core import jobs, retention
from qorgau.core.db import session_factory
from qorgau.core.models import AuditEntry, LoginFailure, PrivacyRequest


def test_retention_job_deletes_and_anonymises_with_counts(demo_url):
    from qorgau.speaks.models import Attachment, Message, Report

    long_ago = datetime.now(UTC) - timedelta(days=400)
    with session_factory(demo_url)() as session:
        session.add_all([LoginFailure(username="someone", at=long_ago) for _ in range(3)]
                        + [LoginFailure(username="someone", at=datetime.now(UTC))])
        reports = session.execute(select(Report).order_by(Report.id).limit(3)).scalars().all()
        old, recent, still_open = reports
        old.status, old.resolved_on = "closed", date.today() - timedelta(days=400)
        recent.status, recent.resolved_on = "closed", date.today() - timedelta(days=10)
        still_open.status, still_open.received_on = "new", date.today() - timedelta(days=900)
        session.commit()
        old_id, recent_id, open_id = old.id, recent.id, still_open.id
        old_category = old.category

    done = jobs.run_now(demo_url, "core.retention")
    assert done.state == "done", done.error
    counts = done.result["counts"]
    assert counts["core.login_failures"] == 3
    assert counts["speaks.closed_reports"] == 1
    assert counts["incidents.records"] == 0  # nothing is 45 years old, and nothing is deleted anyway

    with session_factory(demo_url)() as session:
        assert session.execute(select(func.count()).select_from(LoginFailure)).scalar_one() == 1
        old = session.get(Report, old_id)
        assert old.description_encrypted == b"" and old.contact_encrypted is None and old.category == old_category
        for table in (Attachment, Message):
            assert session.execute(select(func.count()).select_from(table)
                                   .where(table.report_id == old_id)).scalar_one() == 0
        assert session.get(Report, recent_id).description_encrypted != b""
        assert session.get(Report, open_id).description_encrypted != b""
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "retention.enforced")).scalar_one()
        assert entry.after["counts"] == counts
    again = jobs.run_now(demo_url, "core.retention")
    assert again.result["counts"]["speaks.closed_reports"] == 0  # once anonymised, left alone


def test_every_rule_states_a_period_and_a_source():
    keys = {r.key for r in retention.rules()}
    assert {"incidents.records", "speaks.closed_reports", "monitoring.raw_readings", "monitoring.rollups",
            "core.login_failures", "core.audit"} <= keys
    accidents = next(r for r in retention.rules() if r.key == "incidents.records")
    assert accidents.days >= 45 * 365 and "art. 190" in accidents.source
    assert all(r.period and r.source for r in retention.rules())


def test_retention_page_in_three_languages(client):
    pages = {lang: client.get(f"/privacy/retention?lang={lang}").text for lang in ("en", "ru", "kk")}
    assert "45 years" in pages["en"] and "Labour Code" in pages["en"]
    assert "45 лет" in pages["ru"]
    assert "45 жыл" in pages["kk"]


def test_my_data_export_and_correction(sign_in, demo_url):
    officer = sign_in("officer")
    page = officer.get("/account/data")
    assert page.status_code == 200 and "officer" in page.text
    export = officer.get("/account/data.json").json()
    assert export["account"]["username"] == "officer" and "password_hash" not in str(export)
    assert officer.post("/account/data/correction", data={"details": "  "}).status_code == 422
    sent = officer.post("/account/data/correction", data={"details": "My e-mail is officer@example.kz"},
                        follow_redirects=False)
    assert sent.status_code == 303
    assert officer.get("/admin/privacy").status_code == 403
    admin = sign_in("admin")
    listing = admin.get("/admin/privacy")
    assert "officer@example.kz" in listing.text
    with session_factory(demo_url)() as session:
        request_id = session.execute(select(PrivacyRequest.id)).scalar_one()
    assert admin.post(f"/admin/privacy/{request_id}", data={"outcome": "done", "answer": "Corrected."},
                      follow_redirects=False).status_code == 303
    assert officer.get("/account/data.json").json()["requests"][0]["status"] == "done"
    assert admin.post(f"/admin/privacy/{request_id}", data={"outcome": "refused", "answer": "x"}).status_code == 409


def test_health_page_for_administrators_only(sign_in):
    assert sign_in("officer").get("/admin/health").status_code == 403
    page = sign_in("admin").get("/admin/health")
    assert page.status_code == 200
    assert "Last good backup" in page.text or "резерв" in page.text
