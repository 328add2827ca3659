"""Demonstration social audits (invented, labelled synthetic on every page and in every report): audits of
manufacturing enterprises in every state, two of the smelter a year apart (a trend), enough published audits
in the sector for the peer comparison, and one with too few interviews (the small-cell rule)."""

from __future__ import annotations

from datetime import timedelta

from qorgau.audits import service
from qorgau.core.db import utcnow
from qorgau.core.policy import Role
from qorgau.registry import access

SUMMARY = ("Синтетические демонстрационные данные. Аудит проведён совместно с профсоюзом и представителями "
           "работников. Основные замечания касаются учёта рабочего времени, обеспечения СИЗ и оплаты "
           "сверхурочной работы; детский и принудительный труд не выявлены.")
REPLY = ("Синтетические демонстрационные данные. Работодатель согласен с замечаниями по СИЗ и учёту времени, "
         "план корректирующих мер утверждён; по оплате сверхурочных проводится сверка с бухгалтерией.")


def _answer_all(session, actor, row, rng, quality: float) -> None:
    answers = []
    for point in service.questionnaire_of(row).points:
        if point.kind == "maturity":
            value = str(max(0, min(4, round(rng.gauss(1 + 2.5 * quality, 0.7)))))
        elif rng.random() < 0.06:
            value = "na"
        elif point.critical:
            value = "yes" if rng.random() < 0.97 else "no"
        else:
            value = "yes" if rng.random() < quality else "no"
        answers.append({"point_id": point.id, "value": value, "note": "", "client_key": f"demo-{row.id}-{point.id}"})
    service.submit_answers(session=session, actor=actor, audit_id=row.id, answers=answers)


def _interviews(session, actor, row, rng, count: int, day) -> None:
    for number in range(count):
        answers = {q.id: rng.choices(("yes", "no", "skip"), (0.3, 0.6, 0.1) if q.adverse else (0.75, 0.2, 0.05))[0]
                   for q in service.questionnaire_of(row).interview}
        service.record_interview(session=session, actor=actor, audit_id=row.id,
                                 client_key=f"demo-interview-{row.id}-{number}", answers=answers, today=day)


def _walk(session, actor, employer, row, rng, *, until: str, quality: float, interviews: int, days_ago: int) -> None:
    today = utcnow().date()
    day = today - timedelta(days=days_ago)
    steps = ["invited", "fieldwork", "findings", "employer_reply", "published"]
    for step in steps:
        if step == "findings":
            _answer_all(session, actor, row, rng, quality)
            _interviews(session, actor, row, rng, interviews, day)
        if step == "employer_reply":
            service.set_summary(session=session, actor=actor, audit_id=row.id, summary=SUMMARY)
        if step == "published" and employer is not None:
            service.reply(session=session, actor=employer, audit_id=row.id, text=REPLY)
        service.move(session=session, actor=actor, audit_id=row.id, target=step, today=day + timedelta(days=2))
        if step == "invited":
            for party in row.parties:
                service.respond_party(session=session, actor=actor, party_id=party.id,
                                      response="accepted" if party.kind != "state" else "declined",
                                      note="" if party.kind != "state" else "Нет свободного инспектора на эти даты")
        if step == until:
            return


def generate(session, ctx) -> None:
    if not ctx.enterprises or "federation" not in ctx.users:
        return
    rng = ctx.rng("audits")
    federation, officer = ctx.users["federation"], ctx.users["officer"]
    employer = ctx.users.get("employer")
    session.info["actor"] = f"user:{federation.username}"
    service.ensure_questionnaire(session=session)
    smelter = ctx.enterprises[0]
    same_sector = [e for e in ctx.enterprises[1:] if e.sector_code == smelter.sector_code][:4]
    others = [e for e in ctx.enterprises[1:] if e.sector_code != smelter.sector_code][:4]
    today = utcnow().date()
    plans = [  # (enterprise, who runs it, last state, quality, interviews, days ago)
        (smelter, officer, "published", 0.62, 9, 400),
        (smelter, officer, "published", 0.78, 11, 60),
        (smelter, officer, "planned", 0.0, 0, 0),
    ]
    # Published audits of the smelter's sector (the peer comparison), one with too few interviews.
    for number, enterprise in enumerate(same_sector):
        plans.append((enterprise, federation, "published", 0.55 + 0.08 * number, 3 if number == 1 else 6 + number,
                      90 + 20 * number))
    for number, (enterprise, until) in enumerate(zip(others, ("employer_reply", "fieldwork", "invited"), strict=False)):
        plans.append((enterprise, federation, until, 0.6 + 0.05 * number, 5, 20 + 10 * number))
    for enterprise, actor, until, quality, interviews, days_ago in plans:
        if not access.can_reach_enterprise(session, actor, enterprise.id):
            actor = federation
        session.info["actor"] = f"user:{actor.username}"
        row = service.create_audit(session=session, actor=actor, enterprise_id=enterprise.id,
                                   planned_on=today - timedelta(days=days_ago) if days_ago else today + timedelta(days=14),
                                   invite_state=enterprise is smelter, synthetic=True)
        if until == "planned":
            continue
        # Only the smelter's employer has a demo account; the other employers' replies stay empty (shown so).
        reply_by = employer if employer is not None and enterprise.id == employer.scope_enterprise_id else None
        _walk(session, actor, reply_by, row, rng, until=until, quality=quality, interviews=interviews,
              days_ago=days_ago)
    if ctx.users.get(Role.ADMIN) is not None:
        session.info["actor"] = f"user:{federation.username}"
        cancelled = service.create_audit(session=session, actor=federation, enterprise_id=others[-1].id
                                         if others else smelter.id, planned_on=today - timedelta(days=30),
                                         synthetic=True)
        service.move(session=session, actor=federation, audit_id=cancelled.id, target="cancelled",
                     reason="Синтетические данные: предприятие приостановило работу на время ремонта")
    session.flush()

