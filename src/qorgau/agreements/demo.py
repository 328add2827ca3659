"""Demonstration collective agreements (invented, labelled synthetic on every page): most demo enterprises
with a union have one, with varied clause coverage; a few expired, a draft and one amended."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from qorgau.agreements import service
from qorgau.agreements.models import KIND_LABELS, Agreement, AgreementStatus, ClauseKind
from qorgau.agreements.schemas import (
    AgreementIn,
    AmendmentIn,
    ModelInsertIn,
    MoveIn,
    PartnershipClauseIn,
    PartnershipIn,
)
from qorgau.core.db import utcnow
from qorgau.core.policy import Role

# How likely a demo agreement holds each kind: old-style agreements have safety and PPE, few have AI clauses.
LIKELIHOOD = {
    ClauseKind.OCCUPATIONAL_SAFETY: 0.9, ClauseKind.PPE: 0.8, ClauseKind.MEDICAL_EXAMINATIONS: 0.7,
    ClauseKind.HAZARD_COMPENSATION: 0.6, ClauseKind.SAFETY_REPRESENTATIVES: 0.5, ClauseKind.RE_EQUIPMENT: 0.4,
    ClauseKind.ACCIDENT_COMPENSATION: 0.45, ClauseKind.BIOSAFETY: 0.3, ClauseKind.AI_AUTOMATION: 0.2,
}
NUMBERS = {kind: f"{8 + n}.1" for n, kind in enumerate(KIND_LABELS)}


def generate(session, ctx) -> None:
    if not ctx.enterprises or "officer" not in ctx.users:
        return
    rng = ctx.rng("agreements")
    today = utcnow().date()
    admin = ctx.users[Role.ADMIN]
    session.info["actor"] = f"user:{admin.username}"
    made: list[Agreement] = []
    seen: dict[str, int] = {}
    for number, enterprise in enumerate(ctx.enterprises):
        if enterprise.primary_union_id:
            seen[enterprise.sector_code] = seen.get(enterprise.sector_code, 0) + 1
            if seen[enterprise.sector_code] == 2:  # in every sector one organised enterprise is still bargaining
                continue
        if number and not enterprise.has_union and rng.random() < 0.8:
            continue
        if number and rng.random() < 0.1:
            continue
        start = today - timedelta(days=rng.randint(30, 1000))
        signed = start - timedelta(days=rng.randint(3, 20))
        expired = rng.random() < 0.12
        end = (today - timedelta(days=rng.randint(10, 200))) if expired else start + timedelta(days=3 * 365)
        agreement = service.create(session=session, actor=admin, agreement_in=AgreementIn(
            enterprise_id=enterprise.id, employer_party="Генеральный директор (демонстрационная запись)",
            workers_party="" if enterprise.primary_union_id else "Выборные представители работников",
            title=f"Коллективный договор на {start.year}–{end.year} годы", number=f"КД-{number + 1:03d}",
            language="ru" if rng.random() < 0.75 else "kk", signed_on=signed, valid_from=start,
            valid_to=end if end > start else start + timedelta(days=365),
            submitted_on=signed + timedelta(days=rng.randint(5, 28)),
            registration_ref=f"ТП-{rng.randint(1000, 9999)}"))
        agreement.synthetic = True
        for kind, chance in LIKELIHOOD.items():
            if rng.random() >= chance:
                continue
            models = service.model_clauses(kind)
            model = models[rng.randrange(len(models))]
            clause = service.insert_model_clause(session=session, actor=admin, agreement_id=agreement.id,
                                                 insert_in=ModelInsertIn(key=model.key, language=agreement.language,
                                                                         number=NUMBERS[kind]))
            _commitment(clause, kind, rng)
        if not agreement.clauses:
            model = service.model_clauses(ClauseKind.OCCUPATIONAL_SAFETY)[0]
            service.insert_model_clause(session=session, actor=admin, agreement_id=agreement.id,
                                        insert_in=ModelInsertIn(key=model.key, language=agreement.language,
                                                                number="8.1"))
        if number % 11 == 5:  # a draft under negotiation
            made.append(agreement)
            continue
        service.move(session=session, actor=admin, agreement_id=agreement.id, move_in=MoveIn(status=AgreementStatus.IN_FORCE))
        if agreement.valid_to < today:
            service.move(session=session, actor=admin, agreement_id=agreement.id, move_in=MoveIn(status=AgreementStatus.EXPIRED))
        made.append(agreement)
    amended = next((a for a in made if a.status == AgreementStatus.IN_FORCE and ClauseKind.AI_AUTOMATION not in
                    service.kinds_present(a)), None)
    if amended is not None:
        service.amend(session=session, actor=admin, agreement_id=amended.id, amendment_in=AmendmentIn(
            signed_on=max(amended.signed_on, today - timedelta(days=40)),
            summary="Дополнение: консультации с профсоюзом до внедрения систем искусственного интеллекта"))
        service.insert_model_clause(session=session, actor=admin, agreement_id=amended.id,
                                    insert_in=ModelInsertIn(key="ai-consultation", language=amended.language,
                                                            number="11.2"))
    _partnerships(session, admin, ctx, today)
    session.flush()


# Invented sectoral and regional agreements with safety clauses (wording of the demonstration, not of a real
# agreement): one for agriculture (bio-safety: brucellosis, anthrax), one for mining (re-equipment), one for the
# region of the first demo enterprise (occupational safety). No general agreement: its clauses would cover every
# enterprise and hide the difference the coverage page shows.
PARTNERSHIPS = (
    ("sectoral", "A", None, "Отраслевое соглашение в агропромышленном комплексе (демонстрационная запись)",
     (("biosafety", "4.2", "Работодатели обеспечивают вакцинацию работников животноводства против бруцеллёза и "
                           "сибирской язвы и выдачу средств индивидуальной защиты при работе с животными."),
      ("ppe", "4.3", "Работники, занятые уходом за животными и убоем, обеспечиваются СИЗ сверх типовых норм."))),
    ("sectoral", "B", None, "Отраслевое соглашение в горно-металлургическом комплексе (демонстрационная запись)",
     (("re_equipment", "5.1", "Работодатели включают замену оборудования с истёкшим сроком службы в программы "
                              "развития предприятий с ежегодным отчётом отраслевому профсоюзу."),
      ("occupational_safety", "5.2", "Не менее 0,5 % фонда оплаты труда направляется на мероприятия по охране "
                                     "труда."))),
    ("regional", None, "", "Региональное соглашение (демонстрационная запись)",
     (("occupational_safety", "3.1", "Стороны проводят совместные проверки условий труда с участием "
                                     "общественных инспекторов по охране труда не реже раза в полугодие."),)),
)


def _partnerships(session, admin, ctx, today) -> None:
    region = ctx.enterprises[0].region_kato
    for level, sector, region_kato, title, clauses in PARTNERSHIPS:
        agreement = service.create_partnership(session=session, actor=admin, partnership_in=PartnershipIn(
            level=level, title=title, sector_code=sector, region_kato=region if region_kato == "" else region_kato,
            parties="Отраслевой профсоюз, отраслевое объединение работодателей, уполномоченный государственный "
                    "орган (демонстрационная запись)",
            signed_on=today - timedelta(days=400), valid_from=today - timedelta(days=380),
            valid_to=today + timedelta(days=715)))
        agreement.synthetic = True
        for kind, number, text in clauses:
            service.add_partnership_clause(session=session, actor=admin, agreement_id=agreement.id,
                                           clause_in=PartnershipClauseIn(kind=kind, number=number, text=text))


def _commitment(clause, kind: str, rng) -> None:
    """Fills the model's blank with a plausible demonstration figure."""
    figures = {
        ClauseKind.OCCUPATIONAL_SAFETY: ("percent_payroll", Decimal(rng.choice(("0.2", "0.3", "0.5", "0.7"))),
                                         "Средства на охрану труда, % ФОТ"),
        ClauseKind.PPE: ("days", Decimal(rng.choice((3, 5, 10))), "Замена изношенных СИЗ, рабочих дней"),
        ClauseKind.HAZARD_COMPENSATION: ("percent", Decimal(rng.choice((10, 12, 15, 20))),
                                         "Доплата за вредные условия, % тарифной ставки"),
        ClauseKind.SAFETY_REPRESENTATIVES: ("hours", Decimal(rng.choice((4, 6, 8))),
                                            "Время техинспектора на проверки, часов в месяц"),
        ClauseKind.ACCIDENT_COMPENSATION: ("years_earnings", Decimal(rng.choice((1, 2, 3))),
                                           "Единовременная помощь семье погибшего, годовых заработков"),
        ClauseKind.AI_AUTOMATION: ("months", Decimal(rng.choice((2, 3, 6))),
                                   "Срок уведомления профсоюза до внедрения ИИ, месяцев"),
    }
    if kind in figures and "___" in clause.text:
        unit, amount, commitment = figures[kind]
        clause.unit, clause.amount, clause.commitment = unit, amount, commitment
        clause.text = clause.text.replace("___", format(amount.normalize(), "f"), 1)


__all__ = ["generate"]
