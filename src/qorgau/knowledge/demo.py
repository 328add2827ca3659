"""Demo data: the real starter set (public guidance, published), plus labelled synthetic examples of the
procedure: a Kazakhstani enterprise's practice written only in Russian that went through both review steps,
one waiting for review, and a few "we adopted it" records."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from qorgau.core.db import utcnow
from qorgau.core.policy import Role
from qorgau.knowledge import service
from qorgau.knowledge.models import Practice
from qorgau.knowledge.schemas import AdoptionIn, PracticeIn

SYNTHETIC_NOTE = "Синтетическая демонстрационная запись"

RUSSIAN_ONLY = {
    "category": "machinery_equipment", "sector_code": "C", "size": "large", "cost_band": "low", "country": "KZ",
    "source_kind": "enterprise_kz", "source_title": "Синтетический демонстрационный пример (не реальное предприятие)",
    "licence": "Демонстрационные данные",
    "texts": {"ru": {
        "title": "Ограждение натяжных барабанов ленточных конвейеров",
        "problem": "При уборке просыпи под работающим ленточным конвейером рабочих затягивало между лентой и "
                   "натяжным барабаном.",
        "action": "Натяжные и приводные барабаны закрыли сетчатыми ограждениями, уборку просыпи разрешили только "
                  "при остановленном и заблокированном конвейере, вдоль конвейера установили аварийные тросовые "
                  "выключатели.",
        "result": "Уборка просыпи больше не требует подходить к вращающимся барабанам."}},
    "change_note": SYNTHETIC_NOTE,
}
WAITING = {
    "category": "physical_environment", "sector_code": "C", "size": "large", "cost_band": "medium", "country": "KZ",
    "source_kind": "enterprise_kz", "source_title": "Синтетический демонстрационный пример (не реальное предприятие)",
    "licence": "Демонстрационные данные",
    "texts": {"kk": {
        "title": "Балқыту цехында салқындатылған демалыс бөлмесі",
        "problem": "Жазда балқыту пешінің жанындағы жұмысшылар ыстықтан әлсірейді.",
        "action": "Цехтың ішінде ауасы салқындатылған демалыс бөлмесі жасалып, ауысым ішінде әр сағат сайын "
                  "қысқа үзіліс енгізілді, ауыз су беріледі.",
        "result": ""}},
    "change_note": SYNTHETIC_NOTE,
}
ADOPTED = ("lockout-tagout", "machine-guarding", "lev-testing", "heat-stress", "pedestrian-vehicle-separation",
           "confined-space-gas-testing", "noise-control-source", "safety-committees")
OUTCOME_WEIGHTS = (("worked", 5), ("partly", 3), ("too_early", 2), ("did_not_work", 1))


def generate(session, ctx) -> None:
    service.load_starter(session=session)
    employer, officer, federation = ctx.users["employer"], ctx.users["officer"], ctx.users["federation"]
    home = employer.scope_enterprise_id
    practice = service.create(session=session, actor=employer,
                              practice_in=PracticeIn.model_validate({**RUSSIAN_ONLY, "enterprise_id": home}))
    practice.synthetic = True
    service.submit(session=session, actor=employer, practice_id=practice.id)
    service.review(session=session, actor=officer, practice_id=practice.id, decision="approve",
                   note="Проверено: ограждения и блокировка описаны полно.")
    service.publish(session=session, actor=federation, practice_id=practice.id, decision="approve")
    waiting = service.create(session=session, actor=ctx.users["inspector"],
                             practice_in=PracticeIn.model_validate({**WAITING, "enterprise_id": home}))
    waiting.synthetic = True
    service.submit(session=session, actor=ctx.users["inspector"], practice_id=waiting.id)

    rng = ctx.rng("knowledge")
    outcomes = [o for o, w in OUTCOME_WEIGHTS for _ in range(w)]
    today = utcnow().date()
    for key in ADOPTED:
        target = session.execute(select(Practice).where(Practice.key == key)).scalar_one()
        for enterprise in rng.sample(ctx.enterprises, 2):
            outcome = rng.choice(outcomes)
            adoption = service.adopt(session=session, actor=ctx.users[Role.ADMIN], practice_id=target.id,
                                     adoption_in=AdoptionIn.model_validate({
                                         "enterprise_id": enterprise.id,
                                         "adopted_on": (today - timedelta(days=rng.randint(30, 700))).isoformat(),
                                         "outcome": outcome, "result": ""}))
            adoption.synthetic = True
    session.flush()
