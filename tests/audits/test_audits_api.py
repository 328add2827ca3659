"""Social audits over HTTP: roles and scope, the JSON API with offline resends, pages in kk and ru, export."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select


def _smelter_audit(session, status="published"):
    from qorgau.audits.models import Audit
    from qorgau.core.models import User

    employer = session.execute(select(User).where(User.username == "employer")).scalar_one()
    return session.execute(select(Audit).where(Audit.enterprise_id == employer.scope_enterprise_id,
                                               Audit.status == status).order_by(Audit.id)).scalars().first()


def test_the_api_runs_an_audit_and_refuses_what_roles_may_not_do(session, sign_in):
    officer, employer, inspector, analyst = (sign_in(u) for u in ("officer", "employer", "inspector", "analyst"))
    planned = _smelter_audit(session, "planned")
    enterprise_id = planned.enterprise_id
    created = officer.post("/api/v1/audits", json={"enterprise_id": enterprise_id, "planned_on": str(date.today())})
    assert created.status_code == 201, created.text
    audit = created.json()
    assert audit["status"] == "planned" and [p["kind"] for p in audit["parties"]] == ["union", "employer", "workers"]
    assert employer.post("/api/v1/audits", json={"enterprise_id": enterprise_id,
                                                 "planned_on": "2026-01-01"}).status_code == 403
    illegal = officer.post(f"/api/v1/audits/{audit['id']}/status", json={"status": "published"})
    assert illegal.status_code == 409 and illegal.json()["error"]["field"] == "status"
    for step in ("invited", "fieldwork"):
        assert officer.post(f"/api/v1/audits/{audit['id']}/status", json={"status": step}).status_code == 200
    employer_party = next(p for p in audit["parties"] if p["kind"] == "employer")
    assert employer.post(f"/api/v1/audits/parties/{employer_party['id']}/response",
                         json={"response": "accepted"}).status_code == 200

    body = {"answers": [{"point_id": "osh.ppe", "value": "no", "note": "каски просрочены", "client_key": "phone-1"}]}
    first = inspector.post(f"/api/v1/audits/{audit['id']}/answers", json=body)
    again = inspector.post(f"/api/v1/audits/{audit['id']}/answers", json=body)
    assert first.json()["saved"] == 1 and again.json() == {**first.json(), "saved": 0, "unchanged": 1}
    bad = inspector.post(f"/api/v1/audits/{audit['id']}/answers",
                         json={"answers": [{"point_id": "no.such", "value": "yes"}]})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "answers"
    assert employer.post(f"/api/v1/audits/{audit['id']}/answers", json=body).status_code == 403
    interview = {"client_key": "interview-0001", "answers": {"iv.ppe": "no"}}
    assert officer.post(f"/api/v1/audits/{audit['id']}/interviews", json=interview).json()["created"] is True
    assert officer.post(f"/api/v1/audits/{audit['id']}/interviews", json=interview).json()["created"] is False
    closing = officer.post(f"/api/v1/audits/{audit['id']}/status", json={"status": "findings"})
    assert closing.status_code == 422 and closing.json()["error"]["field"] == "status"
    detail = officer.get(f"/api/v1/audits/{audit['id']}").json()
    assert detail["answered"] == 1 and detail["interviews"] == {"count": 1, "shown": False, "minimum": 5,
                                                                "questions": []}

    # summary-only readers see only published audits, and nothing of fieldwork
    listed = analyst.get("/api/v1/audits").json()
    assert listed and {a["status"] for a in listed} == {"published"}
    assert analyst.get(f"/api/v1/audits/{audit['id']}").status_code == 404
    published = _smelter_audit(session)
    seen = analyst.get(f"/api/v1/audits/{published.id}").json()
    assert "parties" not in seen or seen["parties"] == []
    scores = officer.get(f"/api/v1/audits/{published.id}/scores").json()
    assert scores["overall"] == published.overall and set(scores["areas"]) >= {"osh", "wages", "management"}
    assert len(scores["trend"]) >= 2 and scores["peers"]["minimum"] == 3


def test_pages_export_and_questionnaire(session, sign_in):
    officer, employer = sign_in("officer"), sign_in("employer")
    published = _smelter_audit(session)
    page = employer.get(f"/audits/{published.id}?lang=ru")
    assert page.status_code == 200
    assert "Итоги и ответ работодателя" in page.text and "Синтетические демонстрационные данные" in page.text
    assert "Social audit" not in employer.get("/audits/?lang=kk").text
    csv = officer.get("/api/v1/audits/findings/export?format=csv")
    assert csv.status_code == 200 and csv.text.lstrip("\ufeff").startswith("audit,enterprise,")
    xlsx = officer.get("/audits/?fmt=xlsx&lang=kk")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    questionnaire = officer.get("/api/v1/audits/questionnaire").json()
    assert questionnaire["version"] == "1.0" and len(questionnaire["points"]) >= 40
    assert officer.get("/audits/questionnaire/current?lang=kk").status_code == 200
    pdf = employer.get(f"/audits/{published.id}/report.pdf?lang=kk")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert employer.get(f"/audits/{published.id}/fieldwork").status_code == 403


def test_audit_pages_speak_kazakh_and_russian_only(session, sign_in):
    from qorgau.audits.models import Audit
    from tests.language import DEMO_WORDS, english_words

    fieldwork = session.execute(select(Audit).where(Audit.status == "fieldwork")).scalars().first()
    published = _smelter_audit(session)
    federation, employer = sign_in("federation"), sign_in("employer")
    pages = [(federation, "/audits/"), (federation, f"/audits/{published.id}"), (employer, f"/audits/{published.id}"),
             (federation, f"/audits/{fieldwork.id}"), (federation, f"/audits/{fieldwork.id}/fieldwork"),
             (federation, "/audits/questionnaire/current"), (federation, "/")]
    for locale in ("kk", "ru"):
        for client, url in pages:
            response = client.get(url, params={"lang": locale})
            assert response.status_code == 200, (url, response.status_code)
            assert english_words(response.text, DEMO_WORDS) == [], (locale, url)
