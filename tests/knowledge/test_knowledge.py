"""The best-practice database end to end: the starter set's content, submission and the two review steps,
versions, adoptions, scope, search across languages on both backends, the CSV export, "how others fixed
this" beside a violation, attachments and the CLI."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from qorgau.core.errors import Conflict, Forbidden, NotFound
from qorgau.core.models import AuditEntry, User
from qorgau.knowledge import search, service
from qorgau.knowledge.models import LANGUAGES, Practice, PracticeDoc, Status
from qorgau.knowledge.schemas import PracticeIn
from qorgau.registry.hazards import CATEGORIES

RUSSIAN_ONLY = {
    "category": "falls_heights", "sector_code": "F", "size": "medium", "cost_band": "low", "country": "KZ",
    "source_kind": "enterprise_kz", "source_title": "Тестовое предприятие, приказ об ограждении проёмов",
    "licence": "Разрешение предприятия на публикацию",
    "texts": {"ru": {"title": "Временные ограждения лестничных проёмов на монолитном каркасе",
                     "problem": "Бетонщики падали в незакрытые лестничные проёмы перекрытий.",
                     "action": "Каждый проём закрывается инвентарным ограждением высотой 1,1 м сразу после "
                               "распалубки; мастер проверяет ограждения в начале смены.",
                     "result": "Проёмы перестали оставаться открытыми между сменами."}},
    "figures": [{"measure": "Незакрытые проёмы при обходе", "unit": "шт.", "before": 14, "after": 1}],
}


def _user(session, name: str) -> User:
    return session.execute(select(User).where(User.username == name)).scalar_one()


def _published(session, data=None) -> Practice:
    employer, officer, federation = (_user(session, n) for n in ("employer", "officer", "federation"))
    practice = service.create(session=session, actor=employer, practice_in=PracticeIn.model_validate(
        {**(data or RUSSIAN_ONLY), "enterprise_id": employer.scope_enterprise_id}))
    service.submit(session=session, actor=employer, practice_id=practice.id)
    service.review(session=session, actor=officer, practice_id=practice.id, decision="approve")
    service.publish(session=session, actor=federation, practice_id=practice.id, decision="approve")
    return practice


def test_starter_set_is_real_content_in_three_languages_across_categories_and_sectors():
    document = json.loads(service.STARTER.read_text(encoding="utf-8"))
    practices = document["practices"]
    assert len(practices) >= 60
    assert set(Counter(p["category"] for p in practices)) == set(CATEGORIES)
    assert len({p["sector"] for p in practices}) >= 10
    for record in practices:
        PracticeIn.model_validate({"category": record["category"], "sector_code": record["sector"],
                                   "size": record["size"], "cost_band": record["cost_band"],
                                   "country": record["country"], "source_kind": record["source_kind"],
                                   "source_title": record["source_title"], "source_url": record["source_url"],
                                   "licence": document["licences"][record["licence"]], "texts": record["texts"]})
        assert set(record["texts"]) == set(LANGUAGES), record["key"]
        assert record["source_kind"] != "enterprise_kz" and record["source_url"].startswith("https://")
        assert not record.get("figures"), "no figure the source does not give"
    # the stored embeddings cover every passage, so loading needs no embedding work
    cached = search._cache()
    assert all(search.passage_key(search.passage_of(r["texts"][lang])) in cached
               for r in practices for lang in LANGUAGES)


def test_demo_has_the_starter_set_published_and_indexed(session):
    published = session.execute(select(Practice).where(Practice.status == Status.PUBLISHED)).scalars().all()
    assert len(published) >= 61  # the starter set and the synthetic Russian-only example
    docs = session.execute(select(PracticeDoc)).scalars().all()
    assert len(docs) >= 64 * 3
    assert {len(d.vector) for d in docs} == {384 * 4}


def test_two_step_review_publication_and_versions(session):
    employer, officer, federation = (_user(session, n) for n in ("employer", "officer", "federation"))
    practice = service.create(session=session, actor=employer, practice_in=PracticeIn.model_validate(
        {**RUSSIAN_ONLY, "enterprise_id": employer.scope_enterprise_id}))
    with pytest.raises(NotFound):  # a draft is not public
        service.get(session=session, actor=None, practice_id=practice.id)
    with pytest.raises(Conflict):  # not submitted yet
        service.review(session=session, actor=officer, practice_id=practice.id, decision="approve")
    service.submit(session=session, actor=employer, practice_id=practice.id)
    with pytest.raises(Forbidden):  # a sectoral officer is not the federation
        service.publish(session=session, actor=officer, practice_id=practice.id, decision="approve")
    with pytest.raises(Conflict):  # the second step needs the first
        service.publish(session=session, actor=federation, practice_id=practice.id, decision="approve")
    service.review(session=session, actor=federation, practice_id=practice.id, decision="approve")
    with pytest.raises(Forbidden):  # the first reviewer cannot also publish
        service.publish(session=session, actor=federation, practice_id=practice.id, decision="approve")
    admin = _user(session, "admin")
    service.publish(session=session, actor=admin, practice_id=practice.id, decision="approve")
    assert practice.status == Status.PUBLISHED and practice.published_version == 1
    assert service.get(session=session, actor=None, practice_id=practice.id) is practice

    # a new version: the public keeps seeing version 1 until version 2 passes both steps
    changed = {**RUSSIAN_ONLY, "enterprise_id": employer.scope_enterprise_id, "change_note": "Уточнена высота"}
    changed["texts"] = {"ru": {**RUSSIAN_ONLY["texts"]["ru"], "title": "Ограждения проёмов высотой 1,1 м"}}
    service.revise(session=session, actor=employer, practice_id=practice.id,
                   practice_in=PracticeIn.model_validate(changed))
    assert practice.status == Status.DRAFT and practice.current_version == 2
    assert service.shown_version(session, None, practice).number == 1
    assert service.shown_version(session, employer, practice).number == 2
    service.submit(session=session, actor=employer, practice_id=practice.id)
    service.review(session=session, actor=officer, practice_id=practice.id, decision="return", note="Фото")
    assert practice.status == Status.DRAFT
    service.submit(session=session, actor=employer, practice_id=practice.id)
    service.review(session=session, actor=officer, practice_id=practice.id, decision="approve")
    service.publish(session=session, actor=federation, practice_id=practice.id, decision="approve")
    assert practice.published_version == 2
    session.commit()
    actions = set(session.execute(select(AuditEntry.action).where(AuditEntry.object_id == str(practice.id),
                                                                  AuditEntry.action.like("knowledge.%"))).scalars())
    assert {"knowledge.create", "knowledge.submit", "knowledge.review", "knowledge.publish",
            "knowledge.revise"} <= actions


def test_a_kazakh_query_finds_a_practice_written_only_in_russian(session):
    # the demo's synthetic practice from a Kazakhstani enterprise exists only in Russian
    practice = session.execute(select(Practice).where(Practice.synthetic.is_(True),
                                                      Practice.status == Status.PUBLISHED)).scalar_one()
    assert set(practice.title) == {"ru"}
    query = "конвейер барабанына қол тартылып кетті"
    found = service.search(session=session, actor=None, query=query)
    assert practice.id in [p.id for p in found.practices[:3]]
    # filters narrow it
    assert service.search(session=session, actor=None, query=query, category="biological").practices == [] or \
        all(p.category == "biological" for p in service.search(session=session, actor=None, query=query,
                                                               category="biological").practices)
    assert practice.id not in [p.id for p in service.search(session=session, actor=None, query=query,
                                                            sector="A").practices]


def test_api_search_read_and_procedure(sign_in, client, session):
    employer = sign_in("employer")
    home = _user(session, "employer").scope_enterprise_id
    created = employer.post("/api/v1/knowledge/practices", json={**RUSSIAN_ONLY, "enterprise_id": home})
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    assert client.get(f"/api/v1/knowledge/practices/{pid}").status_code == 404  # not public yet
    other = session.execute(select(Practice.enterprise_id)).scalars()  # noqa: F841 (session warm)
    assert employer.post(f"/api/v1/knowledge/practices/{pid}/submit").status_code == 200
    assert employer.post(f"/api/v1/knowledge/practices/{pid}/review",
                         json={"decision": "approve", "note": ""}).status_code == 403
    assert sign_in("officer").post(f"/api/v1/knowledge/practices/{pid}/review",
                                   json={"decision": "approve", "note": "Полно"}).status_code == 200
    published = sign_in("federation").post(f"/api/v1/knowledge/practices/{pid}/publish",
                                           json={"decision": "approve", "note": ""})
    assert published.status_code == 200 and published.json()["status"] == "published"
    public = client.get(f"/api/v1/knowledge/practices/{pid}").json()
    assert public["languages"] == ["ru"] and public["figures"][0]["after"] == 1
    results = client.get("/api/v1/knowledge/practices", params={"q": "қоршау", "category": "falls_heights"}).json()
    assert results["mode"] == "combined" and all(r["category"] == "falls_heights" for r in results["results"])
    bad = employer.post("/api/v1/knowledge/practices", json={**RUSSIAN_ONLY, "texts": {}})
    assert bad.status_code == 422


def test_adoption_records_result_within_scope(sign_in, session):
    practice = session.execute(select(Practice).where(Practice.key == "lockout-tagout")).scalar_one()
    employer = sign_in("employer")
    home = _user(session, "employer").scope_enterprise_id
    other = session.execute(select(User.scope_enterprise_id).where(User.username == "inspector")).scalar()
    body = {"enterprise_id": home, "adopted_on": "2026-03-01", "outcome": "worked",
            "result": "Замки на всех прессах", "measure": "Пуски при обслуживании", "unit": "в месяц",
            "before": 3, "after": 0}
    done = employer.post(f"/api/v1/knowledge/practices/{practice.id}/adoptions", json=body)
    assert done.status_code == 201, done.text
    assert employer.post(f"/api/v1/knowledge/practices/{practice.id}/adoptions",
                         json={**body, "after": None}).status_code == 422
    from qorgau.registry.models import Enterprise
    outside = session.execute(select(Enterprise.id).where(Enterprise.id.not_in([home, other or 0]))).scalars().first()
    assert employer.post(f"/api/v1/knowledge/practices/{practice.id}/adoptions",
                         json={**body, "enterprise_id": outside}).status_code == 404
    page = employer.get(f"/knowledge/practices/{practice.id}")
    assert "Замки на всех прессах" in page.text
    seen = employer.get(f"/api/v1/knowledge/practices/{practice.id}/adoptions").json()
    assert any(a["result"] == "Замки на всех прессах" and a["before"] == 3 for a in seen)


def test_pages_form_csv_and_languages(sign_in, client, session):
    page = client.get("/knowledge/", params={"q": "шум цех", "lang": "kk"})
    assert page.status_code == 200 and "results" in page.text
    exported = client.get("/knowledge/", params={"category": "electrical", "fmt": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["key", "title", "languages"] and len(rows) >= 5
    assert all(r[3] == "electrical" for r in rows[1:])
    employer = sign_in("employer")
    form = employer.get("/knowledge/new")
    assert form.status_code == 200
    home = _user(session, "employer").scope_enterprise_id
    missing = employer.post("/knowledge/new", data={"category": "ppe", "source_title": "Цех", "licence": "Наше",
                                                    "enterprise_id": str(home)})
    assert missing.status_code == 422 and 'aria-invalid="true"' not in missing.text or missing.status_code == 422
    sent = employer.post("/knowledge/new", data={
        "category": "ppe", "size": "any", "cost_band": "low", "country": "KZ", "source_kind": "enterprise_kz",
        "source_title": "Цех №2", "licence": "Разрешение предприятия", "enterprise_id": str(home),
        "kk_title": "Қолғаптарды өлшемі бойынша таңдау", "kk_problem": "Қолғаптар үлкен, жұмысшылар шешіп тастайды.",
        "kk_action": "Үш өлшем сатып алынды.", "measure": "Шешілген қолғаптар", "before": "12", "after": "oops"},
        follow_redirects=False)
    assert sent.status_code == 422  # a figure that is not a number is refused, nothing written
    assert employer.post("/knowledge/new", data={
        "category": "ppe", "size": "any", "cost_band": "low", "country": "KZ", "source_kind": "enterprise_kz",
        "source_title": "Цех №2", "licence": "Разрешение предприятия", "enterprise_id": str(home),
        "kk_title": "Қолғаптарды өлшемі бойынша таңдау", "kk_problem": "Қолғаптар үлкен, жұмысшылар шешіп тастайды.",
        "kk_action": "Үш өлшем сатып алынды."}, follow_redirects=False).status_code == 303


def test_how_others_fixed_this_beside_a_violation(sign_in, session):
    from qorgau.deviations.models import Violation

    officer = sign_in("officer")
    violation = session.execute(select(Violation).order_by(Violation.id)).scalars().first()
    assert violation is not None
    page = officer.get(f"/deviations/violations/{violation.id}")
    assert f'hx-get="/knowledge/beside/violation/{violation.id}"' in page.text
    fragment = officer.get(f"/knowledge/beside/violation/{violation.id}")
    assert fragment.status_code == 200 and fragment.text.count('href="/knowledge/practices/') == 3
    similar = officer.get(f"/api/v1/knowledge/similar/violation/{violation.id}").json()
    assert len(similar) == 5 and similar[0]["category"] == violation.category
    assert sign_in("employer").get("/knowledge/beside/alarm/2147483647").status_code == 404


def test_attachment_upload_and_download(sign_in, session):
    practice = _published(session)
    session.commit()
    employer = sign_in("employer")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    done = employer.post(f"/knowledge/practices/{practice.id}/attachments",
                         files={"file": ("ограждение.pdf", pdf, "application/pdf")}, follow_redirects=False)
    assert done.status_code == 303
    refused = employer.post(f"/knowledge/practices/{practice.id}/attachments",
                            files={"file": ("x.pdf", b"MZ not a pdf", "application/pdf")})
    assert refused.status_code == 422
    session.expire_all()
    attachment = session.get(Practice, practice.id).attachments[0]
    got = employer.get(f"/knowledge/attachments/{attachment.id}")
    assert got.content == pdf and got.headers["content-type"] == "application/pdf"


def test_cli_load_starter_is_idempotent(demo_url, monkeypatch):
    from qorgau.cli import app as cli
    from qorgau.core.config import get_settings

    monkeypatch.setenv("QORGAU_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["knowledge", "load-starter"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1]) == {"created": 0, "updated": 0, "total": 64}


def test_the_panel_sits_beside_reports_alarms_accidents_and_filings(sign_in, session):
    from qorgau.airegister.models import Filing
    from qorgau.incidents.models import Accident
    from qorgau.monitoring.models import Alarm
    from qorgau.speaks.models import Report

    admin = sign_in("admin")
    cases = {"report": (Report, "/speaks/reports/{}"), "alarm": (Alarm, "/monitoring/alarms/{}"),
             "accident": (Accident, "/incidents/accidents/{}"), "filing": (Filing, "/airegister/filings/{}")}
    shown = 0
    for kind, (model, url) in cases.items():
        case_id = session.execute(select(model.id).order_by(model.id)).scalars().first()
        if case_id is None:
            continue
        page = admin.get(url.format(case_id))
        assert page.status_code == 200 and f'hx-get="/knowledge/beside/{kind}/{case_id}"' in page.text, kind
        fragment = admin.get(f"/knowledge/beside/{kind}/{case_id}")
        assert fragment.status_code == 200 and 'href="/knowledge/practices/' in fragment.text, kind
        shown += 1
    assert shown >= 3
