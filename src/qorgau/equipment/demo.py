"""Demo equipment registers (synthetic: invented inventory numbers, years, examinations and plans, marked
`synthetic`): a few hundred items across the demo enterprises, some past their service life or of unknown age,
a re-equipment plan with overdue lines, and one item past its life linked to an accident of the demo incidents
registry whose cause is worn equipment."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.core.db import utcnow
from qorgau.equipment import service
from qorgau.equipment.models import (
    AccidentLink,
    Condition,
    EquipmentItem,
    ItemCertificate,
    PlanStatus,
    RenewalItem,
)
from qorgau.incidents import service as incidents
from qorgau.registry.models import Site, Zone

BY_SECTOR = {  # OKED section -> equipment types typical there
    "B": ["mine_hoist", "conveyor_belt", "excavator", "mine_truck", "mine_ventilation", "electrical_substation",
          "pump_unit", "compressor"],
    "C": ["crane_overhead", "crane_gantry", "furnace", "ladle", "pressure_vessel", "boiler_steam", "hoist_electric",
          "conveyor_belt", "electrical_substation", "compressor"],
    "D": ["boiler_steam", "boiler_hot_water", "pipeline_steam", "pressure_vessel", "switchgear",
          "electrical_substation"],
    "F": ["crane_tower", "crane_mobile", "aerial_platform", "scaffold", "lift", "electrical_substation"],
}
DEFAULT = ["pressure_vessel", "compressor", "electrical_substation", "hoist_electric", "lift", "gas_cylinder"]
LIFE = {"crane_overhead": 25, "crane_gantry": 20, "crane_tower": 16, "crane_mobile": 12, "hoist_electric": 10,
        "aerial_platform": 10, "mine_hoist": 25, "conveyor_belt": 15, "pressure_vessel": 20, "boiler_steam": 24,
        "boiler_hot_water": 20, "pipeline_steam": 30, "compressor": 15, "electrical_substation": 25, "switchgear": 25,
        "excavator": 12, "mine_truck": 8, "mine_ventilation": 15, "furnace": 20, "ladle": 10, "pump_unit": 12,
        "gas_cylinder": 20, "scaffold": 10}  # invented passport values of the synthetic items
RESPONSIBLE = ["Главный механик Ахметов Б.К.", "Главный энергетик Лысенко О.П.", "Начальник цеха Жунусов Е.Т."]


def _item(session: Session, rng, enterprise, number: int, places: list[tuple[int, int | None]], today: date,
          type_code: str | None = None, year: int | None = None) -> EquipmentItem:
    sector_types = BY_SECTOR.get(enterprise.sector_code, DEFAULT)
    type_code = type_code or rng.choice(sector_types)
    if year is None and rng.random() >= 0.08:  # about one in twelve has no known commissioning year
        year = today.year - int(rng.triangular(0, 45, 14))
    passport = LIFE.get(type_code) if rng.random() < 0.85 else None
    years, source = service.resolve_life(type_code, passport)
    site_id, zone_id = rng.choice(places) if places else (None, None)
    item = EquipmentItem(enterprise_id=enterprise.id, site_id=site_id, zone_id=zone_id, type_code=type_code,
                         inventory_number=f"ИНВ-{enterprise.id:03d}-{number:04d}", name="",
                         manufacturer=rng.choice(["", "УЗТМ", "Карагандинский машзавод", "ЗиО-Подольск"]),
                         commissioned_year=year, service_life_years=years, service_life_source=source,
                         condition=rng.choices([Condition.good, Condition.needs_repair, Condition.out_of_service],
                                               [0.75, 0.2, 0.05])[0], synthetic=True)
    if year is not None and years and year + years < today.year and rng.random() < 0.3:
        expert_on = date(today.year - rng.randint(0, 3), rng.randint(1, 12), rng.randint(1, 28))
        item.certificates.append(ItemCertificate(kind="expert_examination", number=f"ЭПБ-{rng.randint(100, 999)}",
                                                 issued_on=expert_on, expires_on=expert_on + timedelta(days=3 * 365),
                                                 issued_by="Аттестованная экспертная организация"))
        item.extended_until = expert_on + timedelta(days=3 * 365)
        item.extension_basis = "Заключение экспертизы промышленной безопасности"
    technical_on = today - timedelta(days=rng.randint(30, 1400))
    item.certificates.append(ItemCertificate(kind="technical_examination", number="",
                                             issued_on=technical_on, expires_on=technical_on + timedelta(days=365 * 3),
                                             issued_by="Служба технического надзора предприятия"))
    item.life_ends_on = service.life_end(year, years, item.extended_until)
    session.add(item)
    return item


def generate(session: Session, ctx) -> None:
    rng = ctx.rng("equipment")
    today = utcnow().date()
    enterprises = ctx.enterprises[: max(1, min(len(ctx.enterprises), 30))]
    worn = {}
    for accident_id, enterprise_id in incidents.accidents_caused_by(session=session, cause=service.WORN_EQUIPMENT):
        worn.setdefault(enterprise_id, accident_id)
    linked = False
    for enterprise in enterprises:
        places = [(site_id, zone_id) for site_id, zone_id in session.execute(
            select(Site.id, Zone.id).outerjoin(Zone, Zone.site_id == Site.id).where(Site.enterprise_id == enterprise.id))]
        count = rng.randint(6, 14) if enterprise is not ctx.enterprises[0] else 24
        items = [_item(session, rng, enterprise, n + 1, places, today) for n in range(count)]
        if not linked and enterprise.id in worn:
            # one item well past its life, linked to the enterprise's accident caused by worn equipment
            worn_item = _item(session, rng, enterprise, count + 1, places, today,
                              type_code=BY_SECTOR.get(enterprise.sector_code, DEFAULT)[0], year=today.year - 40)
            worn_item.extended_until, worn_item.condition = None, Condition.needs_repair
            worn_item.life_ends_on = service.life_end(worn_item.commissioned_year, worn_item.service_life_years, None)
            session.flush()
            session.add(AccidentLink(item_id=worn_item.id, accident_id=worn[enterprise.id],
                                     enterprise_id=enterprise.id,
                                     note="Синтетическая связь для демонстрации: износ оборудования"))
            items.append(worn_item)
            linked = True
        session.flush()
        past = [i for i in items if i.life_ends_on is not None and i.life_ends_on < today]
        for n, item in enumerate(past[:3]):
            due = today + timedelta(days=rng.randint(-60, 240))
            status = PlanStatus.in_progress if n == 0 else PlanStatus.planned
            session.add(RenewalItem(enterprise_id=enterprise.id, item_id=item.id,
                                    action="replace" if n != 1 else "repair",
                                    description="Синтетическая строка плана технического перевооружения",
                                    due_on=due, responsible=rng.choice(RESPONSIBLE),
                                    budget=float(rng.randint(5, 400) * 1_000_000) if rng.random() < 0.7 else None,
                                    progress=rng.choice((10, 30, 60)) if status == PlanStatus.in_progress else 0,
                                    status=status, synthetic=True))
    session.flush()
