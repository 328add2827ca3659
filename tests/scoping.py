"""How to find an object of a given enterprise for each path parameter of the UI and the API.

The scope test walks every route with path parameters; each parameter needs a resolver here that
returns the id of an object belonging to the enterprise it is given (or None if it has none).
A package that adds routes with new path parameters adds its resolvers below.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

Resolver = Callable[[Session, int], object]


def _site(session: Session, enterprise_id: int):
    from qorgau.registry.models import Site

    return session.execute(select(Site.id).where(Site.enterprise_id == enterprise_id).limit(1)).scalar()


def _zone(session: Session, enterprise_id: int):
    from qorgau.registry.models import Site, Zone

    return session.execute(select(Zone.id).join(Site).where(Site.enterprise_id == enterprise_id).limit(1)).scalar()


def _token(session: Session, enterprise_id: int):
    """A token of a user bound to that enterprise (made on demand)."""
    from qorgau.core import security
    from qorgau.core.models import User

    user = session.execute(select(User).where(User.scope_enterprise_id == enterprise_id).limit(1)).scalar()
    if user is None:
        user = User(username=f"probe{enterprise_id}", role="employer_safety_manager", password_hash="x",
                    scope_kind="enterprise", scope_enterprise_id=enterprise_id)
        session.add(user)
        session.flush()
    token, _plain = security.create_api_token(session, user=user)
    return token.id


def _report(session: Session, enterprise_id: int):
    from qorgau.speaks.models import Report

    return session.execute(select(Report.id).where(Report.enterprise_id == enterprise_id).limit(1)).scalar()


def _report_attachment(session: Session, enterprise_id: int):
    from qorgau.speaks.models import Attachment, Report

    return session.execute(select(Attachment.id).join(Report).where(Report.enterprise_id == enterprise_id)
                           .limit(1)).scalar()


def _accident(session: Session, enterprise_id: int):
    from qorgau.incidents.models import Accident

    return session.execute(select(Accident.id).where(Accident.enterprise_id == enterprise_id).limit(1)).scalar()


def _index_reply(session: Session, enterprise_id: int, *, with_evidence: bool = False):
    """A reply of that enterprise still awaiting moderation (published replies are public by design)."""
    from qorgau.index.models import Evidence, Reply

    reply = session.execute(select(Reply).where(Reply.enterprise_id == enterprise_id, Reply.status == "pending")
                            .limit(1)).scalar()
    if reply is None:
        reply = Reply(enterprise_id=enterprise_id, period=2025, body="A probe reply awaiting moderation.")
        session.add(reply)
        session.flush()
    if not with_evidence:
        return reply.id
    item = session.execute(select(Evidence.id).where(Evidence.reply_id == reply.id).limit(1)).scalar()
    if item is None:
        evidence = Evidence(reply_id=reply.id, filename="probe.pdf", media_type="application/pdf", size=8,
                            content=b"%PDF-1.4")
        session.add(evidence)
        session.flush()
        item = evidence.id
    return item


RESOLVERS: dict[str, Resolver] = {
    "enterprise_id": lambda session, enterprise_id: enterprise_id,
    "site_id": _site,
    "zone_id": _zone,
    "token_id": _token,
    "report_id": _report,
    "accident_id": _accident,
    "attachment_id": _report_attachment,
    "index_reply_id": _index_reply,
    "index_evidence_id": lambda session, enterprise_id: _index_reply(session, enterprise_id, with_evidence=True),
}

# Path parameters that do not name an enterprise's object, with a harmless value.
NOT_SCOPED: dict[str, str] = {"code": "kk",
                               # the Safety Index: a published period is public by design, and
                               # runs and methodology versions are national, not an enterprise's objects
                               "index_period": "2025", "published_bin": "000000000000", "index_run_id": "1",
                               "methodology_id": "1",
                               # general, sectoral and regional agreements cover many enterprises; their texts
                               # are public and only the federation at national scope records them
                               "partnership_id": "1"}


def _risk_plan_item(session: Session, enterprise_id: int):
    """A plan item of that enterprise in an inspection plan (made on demand, with a bare model run)."""
    from qorgau.risk.models import InspectionItem, InspectionPlan, ModelRun

    found = session.execute(select(InspectionItem).where(InspectionItem.enterprise_id == enterprise_id)
                            .limit(1)).scalar()
    if found is not None:
        return found
    run = ModelRun(status="trained", version="probe", period="2026-01", first_period="2025-01")
    session.add(run)
    session.flush()
    plan = InspectionPlan(run_id=run.id, period="2026-01", model_version="probe", inspectors=1, days=2,
                          per_inspector_day=0.5, random_share=0.0, effectiveness=0.09, horizon=60, seed=0,
                          enterprises_scored=1)
    plan.items.append(InspectionItem(enterprise_id=enterprise_id, position=1, kind="risk", status="proposed",
                                     rank=1, expected_cases=0.01, p_any=0.01, expected_prevented=0.05, reasons=[]))
    session.add(plan)
    session.flush()
    return plan.items[0]


RESOLVERS.update({  # risk: a plan reaching an enterprise outside the scope is itself out of scope
    "risk_plan_id": lambda session, enterprise_id: _risk_plan_item(session, enterprise_id).plan_id,
    "risk_item_id": lambda session, enterprise_id: _risk_plan_item(session, enterprise_id).id,
})


def _violation(session: Session, enterprise_id: int):
    """A violation of that enterprise with an action, a photo and evidence (made on demand)."""
    from datetime import date

    from qorgau.deviations.models import ActionEvidence, CorrectiveAction, Violation, ViolationPhoto

    violation = session.execute(select(Violation).where(Violation.enterprise_id == enterprise_id).limit(1)).scalar()
    if violation is None:
        violation = Violation(enterprise_id=enterprise_id, category="electrical", severity="minor",
                              description="A probe violation.", found_on=date(2026, 1, 5))
        session.add(violation)
        session.flush()
    if not violation.actions:
        violation.actions.append(CorrectiveAction(kind="corrective", description="Fix it.", responsible="",
                                                  due_on=date(2026, 1, 20)))
    action = violation.actions[0]
    if not action.evidence:
        action.evidence.append(ActionEvidence(note="Done.", content=b"\xff\xd8probe", media_type="image/jpeg",
                                              submitted_by_id=_any_user(session), submitted_on=date(2026, 1, 9)))
    if not violation.photos:
        violation.photos.append(ViolationPhoto(media_type="image/jpeg", content=b"\xff\xd8probe"))
    session.flush()
    return violation


def _any_user(session: Session) -> int:
    from qorgau.core.models import User

    return session.execute(select(User.id).limit(1)).scalar()


def _violation_import(session: Session, enterprise_id: int):
    """An import staged by a user of that enterprise (imports belong to the person who uploaded them)."""
    from qorgau.core.models import User
    from qorgau.deviations.models import ViolationImport

    _token(session, enterprise_id)  # makes sure the enterprise has a user
    user_id = session.execute(select(User.id).where(User.scope_enterprise_id == enterprise_id).limit(1)).scalar()
    batch = ViolationImport(user_id=user_id, filename="probe.csv", sha256="0" * 64, content=b"bin\n")
    session.add(batch)
    session.flush()
    return batch.id


RESOLVERS.update({  # violations
    "violation_id": lambda session, enterprise_id: _violation(session, enterprise_id).id,
    "corrective_action_id": lambda session, enterprise_id: _violation(session, enterprise_id).actions[0].id,
    "violation_photo_id": lambda session, enterprise_id: _violation(session, enterprise_id).photos[0].id,
    "action_evidence_id": lambda session, enterprise_id: _violation(session, enterprise_id).actions[0].evidence[0].id,
    "violation_import_id": _violation_import,
})


def _aiwork_table(session: Session, enterprise_id: int):
    """An employment table of that enterprise's workforce (made on demand)."""
    from qorgau.aiwork.models import EmploymentRow, EmploymentTable

    found = session.execute(select(EmploymentTable.id).where(EmploymentTable.enterprise_id == enterprise_id)
                            .limit(1)).scalar()
    if found is None:
        table = EmploymentTable(title="probe", source="probe", enterprise_id=enterprise_id, dimensions=[],
                                row_count=1, employed=10.0)
        session.add(table)
        session.flush()
        session.add(EmploymentRow(table_id=table.id, line=2, isco08="4110", employed=10.0))
        session.flush()
        found = table.id
    return found


def _aiwork_plan(session: Session, enterprise_id: int):
    """A retraining plan drafted for that enterprise (made on demand)."""
    from datetime import date

    from qorgau.aiwork.models import Plan, PlanItem

    found = session.execute(select(Plan.id).where(Plan.enterprise_id == enterprise_id).limit(1)).scalar()
    if found is None:
        plan = Plan(title="probe", enterprise_id=enterprise_id, items=[
            PlanItem(source_isco="4110", target_isco="3343", people=1, start_on=date(2026, 1, 1),
                     end_on=date(2026, 6, 1))])
        session.add(plan)
        session.flush()
        found = plan.id
    return found


RESOLVERS.update({  # aiwork: enterprise workforce tables and plans are the enterprise's objects
    "aiwork_table_id": _aiwork_table,
    "aiwork_plan_id": _aiwork_plan,
})
NOT_SCOPED["isco_code"] = "2411"  # aiwork: an ISCO-08 occupation is reference data, not an enterprise's object


def _airegister_filing(session: Session, enterprise_id: int):
    """An AI system filed for that enterprise, routed to its union (made on demand)."""
    from qorgau.airegister.models import Filing, Version
    from qorgau.registry.models import Enterprise

    found = session.execute(select(Filing.id).where(Filing.enterprise_id == enterprise_id).limit(1)).scalar()
    if found is None:
        enterprise = session.get(Enterprise, enterprise_id)
        filing = Filing(reference=f"AI-P{enterprise_id:05d}"[:9], enterprise_id=enterprise_id, name="probe",
                        status="under_review", union_org_id=enterprise.primary_union_id)
        session.add(filing)
        session.flush()
        session.add(Version(filing_id=filing.id, number=1, data={"name": "probe", "purpose": "probe system",
                                                                  "areas": ["other"]}))
        session.flush()
        found = filing.id
    return found


RESOLVERS["filing_id"] = _airegister_filing  # airegister: a filing is the enterprise's object
NOT_SCOPED["filing_version"] = "1"  # airegister: a version number, only meaningful with its filing_id


def _monitoring_sensor(session: Session, enterprise_id: int):
    """A sensor in a zone of that enterprise (made on demand)."""
    from qorgau.monitoring.models import Sensor

    found = session.execute(select(Sensor).where(Sensor.enterprise_id == enterprise_id).limit(1)).scalar()
    if found is None:
        zone_id = _zone(session, enterprise_id)
        if zone_id is None:
            return None
        found = Sensor(code=f"probe-{enterprise_id}.so2", enterprise_id=enterprise_id, zone_id=zone_id,
                       quantity="so2", unit="ppm")
        session.add(found)
        session.flush()
    return found


def _monitoring_alarm(session: Session, enterprise_id: int):
    """An open alarm of that enterprise (made on demand)."""
    from qorgau.core.db import utcnow
    from qorgau.monitoring.models import Alarm

    found = session.execute(select(Alarm.id).where(Alarm.enterprise_id == enterprise_id).limit(1)).scalar()
    if found is None:
        sensor = _monitoring_sensor(session, enterprise_id)
        if sensor is None:
            return None
        alarm = Alarm(key=f"probe-{enterprise_id}", sensor_id=sensor.id, zone_id=sensor.zone_id,
                      enterprise_id=enterprise_id, alarm_type="stel", severity="MAJOR", peak_severity="MAJOR",
                      status="ACTIVE_UNACK", started_at=utcnow(), last_event_at=utcnow(), violation_type="due")
        session.add(alarm)
        session.flush()
        found = alarm.id
    return found


def _monitoring_sensor_code(session: Session, enterprise_id: int):
    sensor = _monitoring_sensor(session, enterprise_id)
    return None if sensor is None else sensor.code


def _enterprise_bin(session: Session, enterprise_id: int):
    from qorgau.registry.models import Enterprise

    return session.execute(select(Enterprise.bin).where(Enterprise.id == enterprise_id)).scalar()


RESOLVERS.update({  # monitoring: gateway paths name the enterprise by BIN
    "enterprise_bin": _enterprise_bin,
    "sensor_code": _monitoring_sensor_code,
    "alarm_id": _monitoring_alarm,
    "sensor_id": lambda session, enterprise_id: getattr(_monitoring_sensor(session, enterprise_id), "id", None),
})


NOT_SCOPED["substance_limit_id"] = "1"  # the substance catalogue is national, not an enterprise's

NOT_SCOPED["privacy_request_id"] = "1"  # core: a person's request about their own account; only administrators answer it
NOT_SCOPED["delivery_id"] = "1"  # core: an outgoing notification; only administrators replay it
NOT_SCOPED["job_id"] = "1"  # core: an export job; only the person who asked and administrators see it

def _enterprise_user(session: Session, enterprise_id: int):
    """An account of that enterprise (only administrators may enable or disable accounts)."""
    from qorgau.core import security
    from qorgau.core.models import User

    found = session.execute(select(User.id).where(User.scope_enterprise_id == enterprise_id).limit(1)).scalar()
    if found is not None:
        return found
    user = User(username=f"probe-{enterprise_id}", role="employer_safety_manager", scope_kind="enterprise",
                scope_enterprise_id=enterprise_id, password_hash=security.hash_password("probe password 2026"))
    session.add(user)
    session.flush()
    return user.id


RESOLVERS["user_id"] = _enterprise_user  # core: account administration


def _training_enrolment(session: Session, enterprise_id: int):
    from qorgau.training.models import Enrolment

    return session.execute(select(Enrolment.id).where(Enrolment.enterprise_id == enterprise_id).limit(1)).scalar()


def _training_completion(session: Session, enterprise_id: int):
    from qorgau.training.models import Completion

    return session.execute(select(Completion.id).where(Completion.enterprise_id == enterprise_id,
                                                       Completion.document_id.is_not(None)).limit(1)).scalar()


RESOLVERS.update({  # training: enrolments and certificates are the enterprise's; courses are the catalogue's
    "enrolment_id": _training_enrolment,
    "completion_id": _training_completion,
})
NOT_SCOPED.update({"course_id": "1", "lesson_id": "1"})


def _support_case(session: Session, enterprise_id: int):
    """A support case of that enterprise with a service and a follow-up (made on demand)."""
    from datetime import date

    from qorgau.support.models import Case, CaseService, FollowUp

    case = session.execute(select(Case).where(Case.enterprise_id == enterprise_id).limit(1)).scalar()
    if case is None:
        case = Case(reference=f"SC-P{enterprise_id:05d}"[:12], enterprise_id=enterprise_id, cause="request",
                    status="active", worker_reference="probe", opened_on=date(2026, 1, 5), consent_on=date(2026, 1, 5))
        session.add(case)
        session.flush()
    if not case.services:
        case.services.append(CaseService(kind="placement", title="probe", due_on=date(2026, 6, 1)))
    if not case.follow_ups:
        case.follow_ups.append(FollowUp(due_on=date(2026, 6, 1), purpose="probe"))
    session.flush()
    return case


RESOLVERS.update({  # support cases: a case, its services and follow-ups belong to the worker's enterprise
    "case_id": lambda session, enterprise_id: _support_case(session, enterprise_id).id,
    "service_id": lambda session, enterprise_id: _support_case(session, enterprise_id).services[0].id,
    "follow_up_id": lambda session, enterprise_id: _support_case(session, enterprise_id).follow_ups[0].id,
})


def _connector(session: Session, enterprise_id: int):
    """A connector of that enterprise (made on demand)."""
    from qorgau.connectors.models import Connector

    found = session.execute(select(Connector.id).where(Connector.enterprise_id == enterprise_id).limit(1)).scalar()
    if found is None:
        connector = Connector(enterprise_id=enterprise_id, name="probe", protocol="senml_http", address="",
                              options={}, status="active")
        session.add(connector)
        session.flush()
        found = connector.id
    return found


RESOLVERS["connector_id"] = _connector  # connectors: a connector is its enterprise's object


def _knowledge_draft(session: Session, enterprise_id: int):
    """A practice that enterprise submitted, not yet published (made on demand; published ones are public)."""
    from qorgau.knowledge.models import Practice, PracticeVersion

    found = session.execute(select(Practice.id).where(Practice.enterprise_id == enterprise_id,
                                                      Practice.published_version.is_(None)).limit(1)).scalar()
    if found is None:
        practice = Practice(key=f"P-PROBE{enterprise_id}", status="submitted", category="other", country="KZ",
                            source_kind="enterprise_kz", source_title="probe", licence="probe",
                            enterprise_id=enterprise_id, title={"ru": "probe"})
        session.add(practice)
        session.flush()
        session.add(PracticeVersion(practice_id=practice.id, number=1, data={"texts": {"ru": {
            "title": "probe", "problem": "probe", "action": "probe", "result": ""}}, "figures": []}))
        session.flush()
        found = practice.id
    return found


def _knowledge_attachment(session: Session, enterprise_id: int):
    from qorgau.knowledge.models import PracticeAttachment

    practice_id = _knowledge_draft(session, enterprise_id)
    found = session.execute(select(PracticeAttachment.id).where(PracticeAttachment.practice_id == practice_id)
                            .limit(1)).scalar()
    if found is None:
        attachment = PracticeAttachment(practice_id=practice_id, filename="probe.pdf", content_type="application/pdf",
                                        size=5, sha256="0" * 64, content=b"%PDF-")
        session.add(attachment)
        session.flush()
        found = attachment.id
    return found


RESOLVERS.update({  # knowledge: drafts and their attachments belong to the submitting enterprise
    "practice_id": _knowledge_draft,
    "practice_attachment_id": _knowledge_attachment,
    # "how others fixed this" beside a case: the case (here a violation) is the enterprise's object
    "object_id": lambda session, enterprise_id: _violation(session, enterprise_id).id,
})
NOT_SCOPED["kind"] = "violation"  # knowledge: the kind of case, not an object


def _equipment_item(session: Session, enterprise_id: int):
    """An item of that enterprise's equipment register (made on demand)."""
    from qorgau.equipment.models import EquipmentItem

    found = session.execute(select(EquipmentItem.id).where(EquipmentItem.enterprise_id == enterprise_id)
                            .limit(1)).scalar()
    if found is None:
        item = EquipmentItem(enterprise_id=enterprise_id, type_code="boiler_steam", inventory_number="PROBE-1")
        session.add(item)
        session.flush()
        found = item.id
    return found


def _equipment_plan_item(session: Session, enterprise_id: int):
    """A line of that enterprise's re-equipment plan (made on demand)."""
    from datetime import date

    from qorgau.equipment.models import RenewalItem

    found = session.execute(select(RenewalItem.id).where(RenewalItem.enterprise_id == enterprise_id)
                            .limit(1)).scalar()
    if found is None:
        row = RenewalItem(enterprise_id=enterprise_id, action="repair", due_on=date(2026, 1, 1), responsible="Probe")
        session.add(row)
        session.flush()
        found = row.id
    return found


RESOLVERS.update({  # equipment: register items and plan lines are their enterprise's objects
    "equipment_item_id": _equipment_item,
    "equipment_plan_item_id": _equipment_plan_item,
})


def _agreement(session: Session, enterprise_id: int):
    """A draft collective agreement of that enterprise with a clause and a signed PDF (made on demand)."""
    from qorgau.agreements.models import Agreement, AgreementDocument, Clause

    agreement = session.execute(select(Agreement).where(Agreement.enterprise_id == enterprise_id,
                                                        Agreement.status.in_(("draft", "in_force"))).limit(1)).scalar()
    if agreement is None:
        agreement = Agreement(enterprise_id=enterprise_id, employer_party="probe", workers_party="probe", title="probe")
        session.add(agreement)
        session.flush()
    if not agreement.clauses:
        agreement.clauses.append(Clause(position=1, kind="ppe", language="ru", text="probe"))
    if not agreement.documents:
        agreement.documents.append(AgreementDocument(version=1, filename="probe.pdf", size=8, sha256="0" * 64,
                                                     content=b"%PDF-1.4"))
    session.flush()
    return agreement


RESOLVERS.update({  # collective agreements: an agreement, its clauses and its signed text are the enterprise's
    "agreement_id": lambda session, enterprise_id: _agreement(session, enterprise_id).id,
    "clause_id": lambda session, enterprise_id: _agreement(session, enterprise_id).clauses[0].id,
    "agreement_document_id": lambda session, enterprise_id: _agreement(session, enterprise_id).documents[0].id,
})


def _social_audit(session: Session, enterprise_id: int):
    """A published social audit of that enterprise with a party and a finding (made on demand)."""
    from datetime import date

    from qorgau.audits import service
    from qorgau.audits.models import Audit, Finding, Party

    found = session.execute(select(Audit).where(Audit.enterprise_id == enterprise_id, Audit.status == "published")
                            .limit(1)).scalar()
    if found is None:
        version = service.ensure_questionnaire(session=session)
        found = Audit(enterprise_id=enterprise_id, questionnaire_id=version.id, planned_on=date(2026, 1, 5),
                      status="published", fieldwork_ended_on=date(2026, 1, 9), overall=70.0)
        session.add(found)
        session.flush()
    if not found.parties:
        found.parties.append(Party(kind="union", name="probe"))
    if not found.findings:
        found.findings.append(Finding(area="osh", severity="minor", description="A probe finding.",
                                      photo=b"\xff\xd8\xff", photo_type="image/jpeg"))
    session.flush()
    return found


RESOLVERS.update({  # social audits: audits, their parties and findings belong to the audited enterprise
    "audit_id": lambda session, enterprise_id: _social_audit(session, enterprise_id).id,
    "party_id": lambda session, enterprise_id: _social_audit(session, enterprise_id).parties[0].id,
    "finding_id": lambda session, enterprise_id: _social_audit(session, enterprise_id).findings[0].id,
})
NOT_SCOPED["questionnaire_id"] = "1"  # social audits: questionnaire versions are the federation's, not an enterprise's


def _biosafety_cluster(session: Session, enterprise_id: int):
    """A cluster of cases at that enterprise, in its region and OKED section (made on demand)."""
    from datetime import date

    from qorgau.biosafety.models import BioCluster, DetectionRun
    from qorgau.registry.models import Enterprise

    enterprise = session.get(Enterprise, enterprise_id)
    run = DetectionRun(as_of=date(2026, 1, 31), params={}, requested_by="probe")
    session.add(run)
    session.flush()
    cluster = BioCluster(run_id=run.id, disease="brucellosis", kato=enterprise.region_kato, level="region",
                         region_kato=enterprise.region_kato, sector_code=enterprise.sector_code,
                         start_on=date(2026, 1, 1), end_on=date(2026, 1, 31), cases=5, expected=1.0,
                         relative_risk=5.0, llr=4.0, p_value=0.01, total_cases=20, case_refs=[],
                         enterprise_ids=[enterprise_id])
    session.add(cluster)
    session.flush()
    return cluster.id


RESOLVERS["cluster_id"] = _biosafety_cluster  # biosafety: a cluster belongs to its enterprises' region and sector
