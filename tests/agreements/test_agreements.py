"""Collective agreements end to end: an officer drafts an agreement, inserts model clauses and brings it into
force; the Safety Index's clause score; coverage checked against an independent count; amendments keep the
history; the employer's side comments but does not write; workers read the agreement in force without
signing in; scope, uploads and exports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from qorgau.core.db import utcnow


def _user(session, name: str):
    from qorgau.core.models import User

    return session.execute(select(User).where(User.username == name)).scalar_one()


def _bare_enterprise(session, actor):
    """An enterprise in the actor's scope with no agreement yet."""
    from qorgau.agreements.models import Agreement
    from qorgau.registry import access
    from qorgau.registry.models import Enterprise

    return session.execute(select(Enterprise).where(access.enterprise_scope(session, actor),
                                                    Enterprise.primary_union_id.is_not(None),
                                                    Enterprise.id.not_in(select(Agreement.enterprise_id)))
                           .order_by(Enterprise.id)).scalars().first()


def _outside(session, actor):
    from qorgau.registry import access
    from qorgau.registry.models import Enterprise

    return session.execute(select(Enterprise).where(~access.enterprise_scope(session, actor))
                           .order_by(Enterprise.id)).scalars().first()


def test_the_status_table_allows_only_forward_moves():
    from qorgau.agreements.models import AGREEMENT_FLOW, AgreementStatus
    from qorgau.core.errors import Conflict

    assert AGREEMENT_FLOW.allowed("draft", "in_force") and AGREEMENT_FLOW.allowed("in_force", "expired")
    assert AGREEMENT_FLOW.allowed("in_force", "terminated") and AGREEMENT_FLOW.allowed("draft", "terminated")
    for final in (AgreementStatus.EXPIRED, AgreementStatus.TERMINATED):
        assert AGREEMENT_FLOW.next_states(final) == []
    assert not AGREEMENT_FLOW.allowed("expired", "in_force") and not AGREEMENT_FLOW.allowed("draft", "expired")
    with pytest.raises(Conflict):
        AGREEMENT_FLOW.move("terminated", AgreementStatus.IN_FORCE)


def test_the_model_clause_library_covers_every_kind_in_three_languages_with_sources():
    from qorgau.agreements import service
    from qorgau.agreements.models import KIND_LABELS

    models = service.model_clauses()
    assert {m.kind for m in models} == set(KIND_LABELS)
    assert len({m.key for m in models}) == len(models)
    for model in models:
        assert all(model.source(lang).strip() for lang in ("kk", "ru", "en"))
        assert all(len(model.texts[lang]) > 80 for lang in ("kk", "ru", "en"))
        assert any(ch in model.texts["kk"] for ch in "әғқңөұүһі")  # Kazakh, not Russian copied
    assert service.model_clauses("ai_automation") and "retrain" in " ".join(
        m.texts["en"] for m in service.model_clauses("ai_automation"))


def test_an_officer_drafts_an_agreement_with_model_clauses_and_brings_it_into_force(session, sign_in):
    from qorgau.agreements import service

    officer_user = _user(session, "officer")
    enterprise = _bare_enterprise(session, officer_user)
    assert enterprise is not None
    officer = sign_in("officer")
    today = utcnow().date()
    made = officer.post("/api/v1/agreements", json={
        "enterprise_id": enterprise.id, "employer_party": "Директор А. Б. Сейітов", "title": "Коллективный договор",
        "signed_on": (today - timedelta(days=10)).isoformat(), "valid_from": (today - timedelta(days=5)).isoformat(),
        "valid_to": (today + timedelta(days=3 * 365)).isoformat()})
    assert made.status_code == 201, made.text
    agreement = made.json()
    assert agreement["status"] == "draft" and agreement["union_id"] == enterprise.primary_union_id
    # A draft is not in force: the index sees nothing yet.
    assert enterprise.id not in service.clauses_for_enterprises(session=session, on=today)
    refused = officer.post(f"/api/v1/agreements/{agreement['id']}/status", json={"status": "in_force"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "status"  # no clause yet
    for key in ("ppe-norms", "ai-no-layoff-without-retraining"):
        inserted = officer.post(f"/api/v1/agreements/{agreement['id']}/clauses/from-model",
                                json={"key": key, "language": "kk", "number": "7.1"})
        assert inserted.status_code == 201, inserted.text
        assert inserted.json()["model_key"] == key and inserted.json()["language"] == "kk"
    own = officer.post(f"/api/v1/agreements/{agreement['id']}/clauses", json={
        "kind": "occupational_safety", "language": "ru", "number": "8.2", "text": "Работодатель направляет на охрану "
        "труда не менее 0,5 % фонда оплаты труда.", "commitment": "0,5 % ФОТ на охрану труда", "amount": "0.5",
        "unit": "percent_payroll", "legal_minimum": "ТК РК ст. 180 п.3"})
    assert own.status_code == 201, own.text
    assert officer.post(f"/api/v1/agreements/{agreement['id']}/clauses/from-model",
                        json={"key": "no-such-clause", "language": "ru"}).status_code == 422
    moved = officer.post(f"/api/v1/agreements/{agreement['id']}/status", json={"status": "in_force"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["core_score"] == 60.0 and set(moved.json()["kinds"]) == {"ppe", "ai_automation",
                                                                                   "occupational_safety"}
    session.expire_all()
    scores = service.clauses_for_enterprises(session=session, on=today)
    assert scores[enterprise.id] == 60.0
    # Before it took effect, and after its term, the enterprise is absent (missing, not zero).
    assert enterprise.id not in service.clauses_for_enterprises(session=session, on=today - timedelta(days=6))
    assert enterprise.id not in service.clauses_for_enterprises(session=session, on=today + timedelta(days=4 * 365))
    # The page shows the clauses and the score.
    page = officer.get(f"/agreements/{agreement['id']}", cookies={"lang": "en"}).text
    assert "60 %" in page and "Personal protective equipment" in page and "AI and automation" in page


def test_amendments_keep_the_history_and_termination_ends_the_score(session, sign_in):
    from qorgau.agreements import service
    from qorgau.agreements.models import Agreement

    agreement = session.execute(select(Agreement).where(Agreement.status == "in_force").order_by(Agreement.id)
                                ).scalars().first()
    officer_user = _user(session, "federation")
    assert agreement is not None
    federation = sign_in("federation")
    today = utcnow().date()
    before = service.clauses_for_enterprises(session=session, on=today)[agreement.enterprise_id]
    clause = service.current_clauses(agreement)[0]
    # Removing a clause of an agreement in force keeps it, marked removed in the current version.
    assert federation.post(f"/api/v1/agreements/{agreement.id}/amendments", json={
        "signed_on": today.isoformat(), "summary": "Изменение раздела об охране труда"}).status_code == 201
    assert federation.delete(f"/api/v1/agreements/{agreement.id}/clauses/{clause.id}").status_code == 204
    out = federation.get(f"/api/v1/agreements/{agreement.id}").json()
    assert out["version"] == agreement.version + 1 and out["amendments"][-1]["version"] == out["version"]
    kept = next(c for c in out["clauses"] if c["id"] == clause.id)
    assert kept["removed_in"] == out["version"]
    session.expire_all()
    after = service.clauses_for_enterprises(session=session, on=today)[agreement.enterprise_id]
    others = [c for c in session.get(Agreement, agreement.id).clauses if c.removed_in is None]
    assert after == service.core_score({c.kind for c in others}) and after <= before
    # Terminated today: still counted today, absent tomorrow.
    assert federation.post(f"/api/v1/agreements/{agreement.id}/status",
                           json={"status": "terminated"}).status_code == 422  # a reason is required
    assert federation.post(f"/api/v1/agreements/{agreement.id}/status",
                           json={"status": "terminated", "reason": "Ликвидация организации"}).status_code == 200
    session.expire_all()
    assert agreement.enterprise_id in service.clauses_for_enterprises(session=session, on=today)
    assert agreement.enterprise_id not in service.clauses_for_enterprises(session=session,
                                                                          on=today + timedelta(days=1))
    assert federation.post(f"/api/v1/agreements/{agreement.id}/clauses/from-model",
                           json={"key": "ppe-norms", "language": "ru"}).status_code == 409
    assert officer_user.role == "union_officer"


def test_coverage_matches_an_independent_count(session, sign_in):
    from qorgau.agreements import service
    from qorgau.agreements.models import CORE_KINDS, KIND_LABELS, Agreement, PartnershipAgreement
    from qorgau.registry.models import Enterprise

    today = utcnow().date()
    federation = _user(session, "federation")
    rows = {r.key: r for r in service.coverage(session=session, actor=federation, on=today, by="sector")}
    enterprises = session.execute(select(Enterprise)).scalars().all()
    agreements = session.execute(select(Agreement)).scalars().all()
    in_force: dict[int, set[str]] = {}
    for a in agreements:
        if (a.took_effect and a.valid_from and a.valid_from <= today and (a.valid_to is None or a.valid_to >= today)
                and (a.ended_on is None or a.ended_on >= today)):
            in_force.setdefault(a.enterprise_id, set()).update(c.kind for c in a.clauses if c.removed_in is None)
    assert in_force, "the demo has agreements in force"
    # General, sectoral and regional agreements in force cover the enterprises of their sector and region.
    partnerships = [p for p in session.execute(select(PartnershipAgreement)).scalars()
                    if p.valid_from <= today and (p.valid_to is None or p.valid_to >= today)]
    assert {p.level for p in partnerships} >= {"sectoral", "regional"}, "the demo has agreements covering many"
    wider: dict[int, set[str]] = {}
    for e in enterprises:
        for p in partnerships:
            if p.sector_code in (None, e.sector_code) and p.region_kato in (None, e.region_kato):
                wider.setdefault(e.id, set()).update(c.kind for c in p.clauses)
    core = {str(k) for k in CORE_KINDS}
    for sector in {e.sector_code for e in enterprises}:
        group = [e for e in enterprises if e.sector_code == sector]
        row = rows[sector]
        assert row.enterprises == len(group)
        assert row.workers == sum(e.headcount for e in group if e.headcount > 0)
        assert row.covered == sum(1 for e in group if e.id in in_force)
        reached = [e for e in group if wider.get(e.id, set()) & core]
        assert row.partnership == (len(reached), sum(e.headcount for e in reached if e.headcount > 0))
        for kind in KIND_LABELS:
            holding = [e for e in group if kind in in_force.get(e.id, set()) | wider.get(e.id, set())]
            assert row.kinds[kind] == (len(holding), sum(e.headcount for e in holding if e.headcount > 0)), kind
    # Bio-safety: the agricultural agreement covers agricultural enterprises without their own such clause.
    farms = [e for e in enterprises if e.sector_code == "A" and "biosafety" not in in_force.get(e.id, set())]
    if farms:
        assert rows["A"].kinds["biosafety"][0] >= len(farms)
    # Shares are shares of all enterprises in the group; a group with no known headcount has no worker share.
    any_row = next(iter(rows.values()))
    assert any_row.share() == round(100 * any_row.covered / any_row.enterprises, 1)
    # The officer's scope counts only its enterprises.
    officer = _user(session, "officer")
    scoped = service.coverage(session=session, actor=officer, on=today, by="region")
    assert sum(r.enterprises for r in scoped) < len(enterprises)
    assert sum(r.enterprises for r in service.coverage(session=session, actor=federation, on=today, by="union")) \
        == len(enterprises)


def test_coverage_pages_map_and_exports(sign_in):
    federation = sign_in("federation")
    page = federation.get("/agreements/coverage?by=region&kind=ppe", cookies={"lang": "en"})
    assert page.status_code == 200 and 'id="coverage"' in page.text and "Map: share of enterprises" in page.text
    for by in ("sector", "union"):
        assert federation.get(f"/agreements/coverage?by={by}").status_code == 200
    assert federation.get("/agreements/coverage?by=planet").status_code == 422
    data = federation.get("/agreements/coverage?by=sector&fmt=csv")
    assert data.status_code == 200
    table = list(csv.DictReader(io.StringIO(data.content.decode("utf-8-sig"))))
    assert table and "ppe_enterprises" in table[0]
    api = federation.get("/api/v1/agreements/coverage?by=region").json()
    assert api["rows"] and "share" in api["rows"][0]["kinds"]["ppe"]
    listed = federation.get("/agreements/?fmt=xlsx")
    assert listed.status_code == 200 and listed.content[:2] == b"PK"
    rows = list(csv.DictReader(io.StringIO(federation.get("/api/v1/agreements/export?fmt=csv").content
                                           .decode("utf-8-sig"))))
    assert rows and {"ppe", "ai_automation", "core_score"} <= set(rows[0])
    assert sign_in("analyst").get("/agreements/coverage").status_code == 200
    assert sign_in("employer").get("/agreements/coverage").status_code == 403
    assert "covered_by_partnership" in table[0] and "covered_by_partnership" in api["rows"][0]
    assert 'id="partnership-list"' in page.text and "Sectoral agreement" in page.text


def test_sectoral_and_regional_agreements_are_recorded_at_national_scope_and_checked(session, sign_in):
    from qorgau.agreements.models import PartnershipAgreement

    federation = sign_in("federation")
    body = {"level": "sectoral", "title": "Отраслевое соглашение в строительстве", "parties": "Профсоюз; работодатели",
            "sector_code": "F", "valid_from": "2026-01-01", "valid_to": "2028-12-31"}
    made = federation.post("/api/v1/agreements/partnership", json=body)
    assert made.status_code == 201, made.text
    agreement_id = made.json()["id"]
    clause = federation.post(f"/api/v1/agreements/partnership/{agreement_id}/clauses",
                             json={"kind": "re_equipment", "number": "6.1", "text": "Замена изношенных лесов."})
    assert clause.status_code == 201 and clause.json()["kinds"] == ["re_equipment"]
    no_sector = federation.post("/api/v1/agreements/partnership", json={**body, "sector_code": None})
    assert no_sector.status_code == 422 and no_sector.json()["error"]["field"] == "sector_code"
    general = federation.post("/api/v1/agreements/partnership", json={**body, "level": "general"})
    assert general.status_code == 422  # the general agreement names no sector
    backwards = federation.post("/api/v1/agreements/partnership", json={**body, "valid_to": "2025-01-01"})
    assert backwards.status_code == 422 and backwards.json()["error"]["field"] == "valid_to"
    assert sign_in("officer").post("/api/v1/agreements/partnership", json=body).status_code == 403  # regional scope
    assert sign_in("employer").post("/api/v1/agreements/partnership", json=body).status_code == 403
    listed = sign_in("employer").get("/api/v1/agreements/partnership?on=2026-06-01").json()["items"]
    assert agreement_id in {a["id"] for a in listed}  # their texts are public to every reader
    session.expire_all()
    stored = session.get(PartnershipAgreement, agreement_id)
    assert stored.level == "sectoral" and stored.clauses[0].kind == "re_equipment"
    from qorgau.core.models import AuditEntry

    assert session.execute(select(AuditEntry).where(AuditEntry.object_type == "agreements_partnership",
                                                    AuditEntry.object_id == str(agreement_id))).first()


def test_the_employer_comments_but_does_not_write_and_scope_holds(session, sign_in):
    from qorgau.agreements.models import Agreement

    employer_user = _user(session, "employer")
    own = session.execute(select(Agreement).where(Agreement.enterprise_id == employer_user.scope_enterprise_id)
                          ).scalars().first()
    other = session.execute(select(Agreement).where(Agreement.enterprise_id != employer_user.scope_enterprise_id)
                            ).scalars().first()
    employer = sign_in("employer")
    assert own is not None and other is not None
    assert employer.get(f"/api/v1/agreements/{own.id}").status_code == 200
    assert employer.get(f"/api/v1/agreements/{other.id}").status_code == 404
    listed = employer.get("/api/v1/agreements").json()
    assert {a["enterprise_id"] for a in listed["items"]} == {employer_user.scope_enterprise_id}
    said = employer.post(f"/api/v1/agreements/{own.id}/comments", json={"text": "Предлагаем норму СИЗ пересмотреть"})
    assert said.status_code == 201 and said.json()["side"] == "employer"
    assert employer.post(f"/api/v1/agreements/{own.id}/clauses/from-model",
                         json={"key": "ppe-norms", "language": "ru"}).status_code == 403
    assert employer.post("/api/v1/agreements", json={"enterprise_id": own.enterprise_id, "employer_party": "x",
                                                     "title": "y"}).status_code == 403
    officer_user = _user(session, "officer")
    outside = _outside(session, officer_user)
    officer = sign_in("officer")
    assert officer.post("/api/v1/agreements", json={"enterprise_id": outside.id, "employer_party": "x",
                                                    "title": "y"}).status_code == 404
    assert sign_in("inspector").post(f"/api/v1/agreements/{own.id}/comments",
                                     json={"text": "x"}).status_code == 403


def test_the_signed_pdf_is_kept_and_bad_files_are_refused(session, sign_in):
    from qorgau.agreements.models import Agreement

    agreement = session.execute(select(Agreement).where(Agreement.status == "in_force").order_by(Agreement.id.desc())
                                ).scalars().first()
    federation = sign_in("federation")
    url = f"/api/v1/agreements/{agreement.id}/document"
    pdf = b"%PDF-1.4\n% collective agreement\n"
    stored = federation.post(url, files={"file": ("kd.pdf", pdf, "application/pdf")})
    assert stored.status_code == 201, stored.text
    got = federation.get(f"/api/v1/agreements/documents/{stored.json()['id']}")
    assert got.status_code == 200 and got.content == pdf
    assert federation.post(url, files={"file": ("kd.pdf", b"not a pdf", "application/pdf")}).status_code == 422
    big = b"%PDF" + b"0" * (10 * 1024 * 1024)
    refused = federation.post(url, files={"file": ("kd.pdf", big, "application/pdf")})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "file"
    assert "10" in refused.json()["error"]["message"]
    employer = sign_in("employer")
    if agreement.enterprise_id != _user(session, "employer").scope_enterprise_id:
        assert employer.get(f"/api/v1/agreements/documents/{stored.json()['id']}").status_code == 404


def test_forms_create_an_agreement_and_report_bad_input_in_place(session, sign_in):
    officer_user = _user(session, "officer")
    enterprise = _bare_enterprise(session, officer_user)
    officer = sign_in("officer")
    bad = officer.post("/agreements/new", data={"enterprise_id": str(enterprise.id), "employer_party": "Директор",
                                                "title": "КД", "valid_from": "2026-01-01", "valid_to": "2025-01-01"},
                       cookies={"lang": "en"})
    assert bad.status_code == 422 and "cannot end before it starts" in bad.text
    made = officer.post("/agreements/new", data={"enterprise_id": str(enterprise.id), "employer_party": "Директор",
                                                 "title": "КД 2026", "signed_on": "2026-01-10",
                                                 "valid_from": "2026-01-15"}, follow_redirects=False)
    assert made.status_code == 303
    url = made.headers["location"]
    assert officer.post(f"{url}/model", data={"key": "biosafety-biological-agents", "language": "ru"},
                        follow_redirects=False).status_code == 303
    wrong = officer.post(f"{url}/clauses", data={"kind": "ppe", "language": "ru", "text": "Нормы СИЗ",
                                                 "amount": "пять"}, cookies={"lang": "en"})
    assert wrong.status_code == 422 and "Enter a number" in wrong.text
    page = officer.get(url, cookies={"lang": "ru"}).text
    assert "Работодатель выявляет рабочие места" in page


def test_workers_read_the_agreement_in_force_without_signing_in(session, client):
    from qorgau.agreements import service
    from qorgau.agreements.models import Agreement
    from qorgau.registry.models import Enterprise

    today = utcnow().date()
    agreement = session.execute(select(Agreement).where(Agreement.status == "in_force", Agreement.valid_from <= today)
                                .order_by(Agreement.id)).scalars().first()
    enterprise = session.get(Enterprise, agreement.enterprise_id)
    page = client.get(f"/agreements/workplace?enterprise={enterprise.id}", cookies={"lang": "ru"})
    assert page.status_code == 200 and agreement.title in page.text
    assert service.current_clauses(agreement)[0].text[:40] in page.text
    draft = session.execute(select(Agreement).where(Agreement.status == "draft")).scalars().first()
    if draft is not None:
        shown = client.get(f"/agreements/workplace?enterprise={draft.enterprise_id}").text
        assert draft.title not in shown or "no-agreement" not in shown
    found = client.get("/agreements/workplace", params={"q": enterprise.bin})
    assert f"enterprise={enterprise.id}" in found.text
    assert client.get("/agreements/model-clauses?kind=ai_automation", cookies={"lang": "kk"}).status_code == 200
    assert client.get("/agreements/").status_code in (401, 303, 302) or "login" in client.get("/agreements/").url.path
    assert client.get(f"/api/v1/agreements/{agreement.id}").status_code == 401


def test_the_daily_job_expires_agreements_whose_term_ended(session):
    from qorgau.agreements import service
    from qorgau.agreements.models import Agreement

    agreement = session.execute(select(Agreement).where(Agreement.status == "in_force", Agreement.valid_to.is_not(None))
                                .order_by(Agreement.id)).scalars().first()
    assert service.expire_due(session=session, today=agreement.valid_to) == 0 or agreement.status == "in_force"
    count = service.expire_due(session=session, today=agreement.valid_to + timedelta(days=1))
    assert count >= 1 and agreement.status == "expired"
    assert agreement.enterprise_id in service.clauses_for_enterprises(session=session, on=agreement.valid_to)


def test_the_library_links_practices_of_the_best_practice_database(session):
    from qorgau.agreements import service

    practices = service.related_practices(session=session, actor=None, kind="ppe")
    assert practices and all(p.category == "ppe" for p in practices)
    assert service.related_practices(session=session, actor=None, kind="ai_automation") == []
    assert isinstance(date.today(), date)
