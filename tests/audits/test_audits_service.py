"""Social audits through the service: status machine, questionnaire, fieldwork sent twice, interviews and the
small-cell rule, scores explained, findings turned into violations, the employer's reply, the index reader,
the two-step approval of a questionnaire version and the report PDF."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

KAZAKH = "әғқңөұүһі"
# The summary holds every Kazakh letter, so the report must typeset them all in any language.
SUMMARY = ("Қорытынды: жеке қорғану құралдары нормаға сай берілмейді; әкімшілік түзету жоспарын ұсынды; "
           "Шаһар цехындағы өңдеу учаскесі.")


def _user(session, username):
    from qorgau.core.models import User

    user = session.execute(select(User).where(User.username == username)).scalar_one()
    session.info["actor"] = f"user:{username}"
    return user


def _smelter(session):
    return _user(session, "employer").scope_enterprise_id


def test_status_machine_allows_the_path_and_refuses_illegal_moves():
    from qorgau.audits.states import AUDIT_MOVES, AuditStatus
    from qorgau.core.errors import Conflict, ValidationFailed

    path = ["planned", "invited", "fieldwork", "findings", "employer_reply", "published"]
    for current, target in zip(path, path[1:], strict=False):
        assert AUDIT_MOVES.move(current, target) == target
    for current in path[:3]:
        assert AUDIT_MOVES.allowed(current, "cancelled")
    assert AUDIT_MOVES.allowed("findings", "fieldwork")  # reopened for a missed point
    for current, target in [("planned", "fieldwork"), ("invited", "published"), ("published", "fieldwork"),
                            ("cancelled", "planned"), ("employer_reply", "cancelled"), ("findings", "published")]:
        with pytest.raises(Conflict):
            AUDIT_MOVES.move(current, target)
    with pytest.raises(ValidationFailed):
        AUDIT_MOVES.move("planned", "done")
    assert AUDIT_MOVES.is_final(AuditStatus.PUBLISHED) and AUDIT_MOVES.is_final(AuditStatus.CANCELLED)


def test_the_shipped_questionnaire_is_real_and_complete():
    import re

    from qorgau.audits import questionnaire as qn

    q = qn.load(qn.DEFAULT.read_text(encoding="utf-8"))
    assert 40 <= len(q.points) <= 60
    for area in ("osh", "working_time", "wages", "contracts", "association", "discrimination", "child_forced",
                 "management"):
        assert len(q.in_area(area)) >= 4, area
    for point in q.points:
        assert set(point.text) == {"kk", "ru", "en"}
        assert point.code.startswith("ТК ст."), point.id
        assert all(re.fullmatch(r"C\d{1,3}", c) for c in point.ilo), point.id
        assert any(letter in point.text["kk"] for letter in KAZAKH), point.id
    assert len(q.interview) >= 5
    with pytest.raises(qn.QuestionnaireError) as problem:
        qn.parse("version: '2'\nareas: [{id: osh, label: {en: a, ru: b}}]\npoints: [{id: x, area: osh, text: {}}]")
    assert any("kk wording" in what for _w, what in problem.value.problems)
    assert any(where == "points.x" and "ref.code" in what for where, what in problem.value.problems)


def test_scoring_formula_is_explained_and_missing_is_not_zero():
    from qorgau.audits import questionnaire as qn
    from qorgau.audits import scoring

    q = qn.load(qn.DEFAULT.read_text(encoding="utf-8"))
    answers = {p.id: "yes" for p in q.points if p.kind == "compliance"}
    answers.update({p.id: "2" for p in q.points if p.kind == "maturity"})
    wages = [p.id for p in q.in_area("wages")]
    answers[wages[0]] = "no"
    answers[wages[1]] = "na"
    for p in q.in_area("discrimination"):
        answers[p.id] = "na"
    result = scoring.score(q, answers)
    areas = result["areas"]
    assert areas["wages"]["score"] == round(100 * (len(wages) - 2) / (len(wages) - 1), 1)
    assert areas["wages"]["failed"] == [wages[0]] and areas["wages"]["na"] == [wages[1]]
    assert areas["discrimination"]["score"] is None  # nothing applies: no score, not zero
    assert areas["management"]["score"] == 50.0
    scored = [a["score"] for a in areas.values() if a["score"] is not None]
    assert result["overall"] == round(sum(scored) / len(scored), 1)
    assert scoring.unanswered(q, {}) == [p.id for p in q.points]


def _answer_everything(session, officer, row, *, fail=()):
    from qorgau.audits import service

    answers = [{"point_id": p.id, "value": ("2" if p.kind == "maturity" else ("no" if p.id in fail else "yes")),
                "note": "журнал не ведётся" if p.id in fail else "", "client_key": f"k-{row.id}-{p.id}"}
               for p in service.questionnaire_of(row).points]
    return service.submit_answers(session=session, actor=officer, audit_id=row.id, answers=answers)


def test_an_audit_from_plan_to_publication(session):
    from qorgau.audits import service
    from qorgau.core import documents
    from qorgau.core.errors import Conflict, Forbidden, ValidationFailed
    from qorgau.deviations.models import Violation

    officer, employer, inspector = _user(session, "officer"), _user(session, "employer"), _user(session, "inspector")
    enterprise_id = _smelter(session)
    with pytest.raises(Forbidden):
        service.create_audit(session=session, actor=employer, enterprise_id=enterprise_id, planned_on=date.today())
    session.info["actor"] = "user:officer"
    row = service.create_audit(session=session, actor=officer, enterprise_id=enterprise_id, planned_on=date.today(),
                               invite_state=True)
    assert [p.kind for p in row.parties] == ["union", "employer", "workers", "state"]
    with pytest.raises(Conflict):
        service.move(session=session, actor=officer, audit_id=row.id, target="fieldwork")
    service.move(session=session, actor=officer, audit_id=row.id, target="invited")
    state = row.parties[-1]
    service.respond_party(session=session, actor=officer, party_id=state.id, response="declined", note="занят")
    service.respond_party(session=session, actor=employer, party_id=row.parties[1].id, response="accepted")
    assert (state.response, row.parties[1].response) == ("declined", "accepted")
    with pytest.raises(Conflict):  # answers only during fieldwork
        _answer_everything(session, officer, row)
    service.move(session=session, actor=officer, audit_id=row.id, target="fieldwork")

    # fieldwork: the technical inspector of the enterprise takes part; a resent batch changes nothing
    first = _answer_everything(session, inspector, row, fail=("time.records", "osh.ppe", "child.minimum_age"))
    again = _answer_everything(session, inspector, row, fail=("time.records", "osh.ppe", "child.minimum_age"))
    assert first["saved"] == len(service.questionnaire_of(row).points) and again == {
        **first, "saved": 0, "unchanged": first["saved"]}
    with pytest.raises(ValidationFailed):
        service.submit_answers(session=session, actor=officer, audit_id=row.id,
                               answers=[{"point_id": "osh.ppe", "value": "maybe", "client_key": "x1"}])

    # confidential interviews: counts only, suppressed under five
    for number in range(4):
        _interview, created = service.record_interview(session=session, actor=officer, audit_id=row.id,
                                                       client_key=f"iv-key-{number:04d}",
                                                       answers={"iv.ppe": "no", "iv.paid_on_time": "yes"})
        assert created
    assert service.record_interview(session=session, actor=officer, audit_id=row.id, client_key="iv-key-0000",
                                    answers={"iv.ppe": "no"})[1] is False
    summary = service.interview_summary(row)
    assert summary == {"count": 4, "shown": False, "minimum": 5, "questions": []}
    service.record_interview(session=session, actor=officer, audit_id=row.id, client_key="iv-key-0004",
                             answers={"iv.ppe": "yes"})
    summary = service.interview_summary(row)
    ppe = next(q for q in summary["questions"] if q["id"] == "iv.ppe")
    assert summary["shown"] and (ppe["yes"], ppe["no"], ppe["skip"]) == (1, 4, 0)

    service.move(session=session, actor=officer, audit_id=row.id, target="findings", today=date(2026, 3, 10))
    assert row.fieldwork_ended_on == date(2026, 3, 10)
    assert {f.point_id for f in row.findings} == {"time.records", "osh.ppe", "child.minimum_age"}
    assert next(f for f in row.findings if f.point_id == "child.minimum_age").severity == "critical"
    assert row.scores["critical_failed"] == ["child.minimum_age"]
    osh = row.scores["areas"]["osh"]
    assert osh["failed"] == ["osh.ppe"] and osh["score"] == round(100 * len(osh["passed"]) / (len(osh["passed"]) + 1), 1)
    assert 0 < row.overall < 100

    ppe_finding = next(f for f in row.findings if f.point_id == "osh.ppe")
    with pytest.raises(ValidationFailed):
        service.move(session=session, actor=officer, audit_id=row.id, target="employer_reply")
    service.set_summary(session=session, actor=officer, audit_id=row.id, summary=SUMMARY)
    service.move(session=session, actor=officer, audit_id=row.id, target="employer_reply")
    service.respond_finding(session=session, actor=employer, finding_id=ppe_finding.id, response="Согласны.",
                            plan="Закупить СИЗ по нормам и выдать под роспись", due_on=date.today() + timedelta(days=30))
    violation = service.to_violation(session=session, actor=officer, finding_id=ppe_finding.id)
    assert service.to_violation(session=session, actor=officer, finding_id=ppe_finding.id).id == violation.id
    stored = session.get(Violation, violation.id)
    assert stored.enterprise_id == enterprise_id and stored.source_reference == f"SA-{row.id}-{ppe_finding.id}"
    assert stored.severity == "significant" and "ТК ст. 182" in stored.rule_reference
    assert [a.description for a in stored.actions] == ["Закупить СИЗ по нормам и выдать под роспись"]
    with pytest.raises(Forbidden):
        service.reply(session=session, actor=officer, audit_id=row.id, text="Ответ работодателя от профсоюза")
    service.reply(session=session, actor=employer, audit_id=row.id, text="Работодатель согласен с выводами аудита.")
    service.move(session=session, actor=officer, audit_id=row.id, target="published")
    session.commit()

    scores = service.scores_for_enterprises(session=session, start=date(2026, 3, 1), end=date(2026, 4, 1))
    assert scores[enterprise_id] == row.overall
    assert enterprise_id not in service.scores_for_enterprises(session=session, start=date(2026, 3, 11),
                                                               end=date(2026, 4, 1))

    for language in ("kk", "ru"):
        document = service.report(session=session, actor=employer, audit_id=row.id, language=language,
                                  public_url="https://qorgau.example")
        session.commit()
        from pypdf import PdfReader

        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(document.content)).pages).split())
        for letter in KAZAKH:
            assert letter in text, (language, letter)
        code = documents.format_code(document.code)
        assert code in text
        assert SUMMARY in text and "Работодатель согласен с выводами аудита." in text
        assert {"kk": "Еңбек жағдайларының әлеуметтік аудиті", "ru": "Социальный аудит условий труда"}[language] in text
        assert documents.check(session, code)["found"] is True
        assert service.report(session=session, actor=employer, audit_id=row.id, language=language,
                              public_url="https://qorgau.example").id == document.id


def test_a_questionnaire_version_needs_a_second_federation_user(session):
    from qorgau.audits import questionnaire as qn
    from qorgau.audits import service
    from qorgau.core.errors import Forbidden, ValidationFailed

    federation, admin, officer = _user(session, "federation"), _user(session, "admin"), _user(session, "officer")
    text = qn.DEFAULT.read_text(encoding="utf-8").replace('version: "1.0"', 'version: "1.1"')
    with pytest.raises(Forbidden):  # a regional union officer does not change the federation's questionnaire
        service.propose_questionnaire(session=session, actor=officer, yaml_text=text, note="x")
    with pytest.raises(ValidationFailed):
        service.propose_questionnaire(session=session, actor=federation, yaml_text="points: [", note="broken")
    session.info["actor"] = "user:federation"
    row = service.propose_questionnaire(session=session, actor=federation, yaml_text=text, note="Уточнены формулировки")
    assert service.current_version(session=session).version == "1.0"
    with pytest.raises(ValidationFailed):
        service.review_questionnaire(session=session, actor=federation, questionnaire_id=row.id, approve=True)
    service.review_questionnaire(session=session, actor=admin, questionnaire_id=row.id, approve=True)
    assert service.current_version(session=session).version == "1.1"
    from qorgau.core.models import AuditEntry

    session.commit()
    actions = {e.action for e in session.execute(select(AuditEntry).where(
        AuditEntry.object_type == "audits_questionnaire")).scalars()}
    assert {"propose", "approve"} <= actions


def test_peers_are_suppressed_below_three_and_trends_follow_the_enterprise(session):
    from qorgau.audits import service
    from qorgau.audits.models import Audit

    officer = _user(session, "officer")
    enterprise_id = _smelter(session)
    published = session.execute(select(Audit).where(Audit.enterprise_id == enterprise_id,
                                                    Audit.status == "published")).scalars().all()
    assert len(published) >= 2  # demo: two audits of the smelter a year apart
    trend = service.trend(session=session, actor=officer, enterprise_id=enterprise_id)
    assert [a.fieldwork_ended_on for a in trend] == sorted(a.fieldwork_ended_on for a in trend)
    peers = service.peers(session=session, row=published[0])
    assert peers["count"] >= 3 and peers["shown"] and "median" in peers
    session.query(Audit).filter(Audit.enterprise_id != enterprise_id, Audit.status == "published").update(
        {"status": "employer_reply"})
    session.flush()
    peers = service.peers(session=session, row=published[0])
    assert peers == {"sector": peers["sector"], "count": 0, "shown": False, "minimum": 3}
