"""Demonstration bio-safety data (invented, labelled synthetic on every page): exposure registers of livestock
farms and meat-processing plants, two years of sporadic brucellosis and other zoonosis cases across the regions,
and a brucellosis outbreak at a meat-processing plant (seven cases in one district and sector within three
weeks) that the detection run finds and alerts on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from qorgau.biosafety import service
from qorgau.biosafety.models import BioCase, BioExposure
from qorgau.core.db import utcnow
from qorgau.registry import access
from qorgau.registry.models import Enterprise

SOURCE = "demo"
OUTBREAK_CASES = 7


def outbreak_plant(session, officer) -> Enterprise | None:
    """The meat-processing plant of the demonstration outbreak: the first manufacturing enterprise in the
    officer's scope."""
    plants = session.execute(select(Enterprise).where(Enterprise.sector_code == "C").order_by(Enterprise.id)).scalars()
    return next((e for e in plants if access.can_reach_enterprise(session, officer, e.id)), None)


def district(region_kato: str, number: int) -> str:
    """A district-level KATO code of the region (synthetic: the demonstration does not claim real districts)."""
    return f"{region_kato[:2]}{20 + number:02d}00000"


def generate(session, ctx) -> None:
    officer = ctx.users.get("officer")
    if not ctx.enterprises or officer is None:
        return
    rng = ctx.rng("biosafety")
    today = utcnow().date()
    plant = outbreak_plant(session, officer)
    if plant is None:
        return
    farms = [e for e in ctx.enterprises if e.sector_code == "A"][:6]
    plants = [plant] + [e for e in ctx.enterprises if e.sector_code == "C" and e.id != plant.id][:3]
    for enterprise, activity in [(f, "livestock") for f in farms] + [(p, "meat") for p in plants]:
        agents = (["brucella_abortus", "brucella_melitensis", "bacillus_anthracis", "cchf_virus"]
                  if activity == "livestock" else ["brucella_abortus", "coxiella_burnetii", "bacillus_anthracis"])
        exposed = max(5, int(enterprise.headcount * rng.uniform(0.2, 0.6)))
        for agent in agents:
            known = rng.random() > 0.15
            session.add(BioExposure(
                enterprise_id=enterprise.id, activity=activity, agent_code=agent,
                exposed_workers=exposed if known else None,
                vaccinated=int(exposed * rng.uniform(0.3, 0.95)) if known and agent != "cchf_virus" else None,
                ppe_issued=int(exposed * rng.uniform(0.6, 1.0)) if known else None,
                trained=int(exposed * rng.uniform(0.4, 1.0)) if known and rng.random() > 0.2 else None,
                surveilled=int(exposed * rng.uniform(0.5, 1.0)) if known else None,
                recorded_on=today - timedelta(days=rng.randint(10, 200)), synthetic=True,
                note="Демонстрационные данные"))
    regions = sorted({e.region_kato for e in ctx.enterprises})
    number = 0
    for disease, count in (("brucellosis", 60), ("q_fever", 8), ("anthrax", 4), ("cchf", 5)):
        for _ in range(count):
            number += 1
            region = rng.choice(regions)
            session.add(BioCase(source=SOURCE, reference=f"DEMO-{number:04d}", disease=disease,
                             onset_on=today - timedelta(days=rng.randint(0, 7 * 104 - 1)),
                             kato=district(region, rng.randint(0, 4)), region_kato=region,
                             sector_code=rng.choice("AAAC"), activity=rng.choice(("livestock", "meat", "agriculture")),
                             laboratory_confirmed=rng.random() > 0.3, synthetic=True))
    outbreak_district = district(plant.region_kato, 1)
    for index in range(OUTBREAK_CASES):
        number += 1
        session.add(BioCase(source=SOURCE, reference=f"DEMO-{number:04d}", disease="brucellosis", icd10="A23.0",
                         onset_on=today - timedelta(days=6 + 3 * index), kato=outbreak_district,
                         region_kato=plant.region_kato, sector_code="C", enterprise_id=plant.id, activity="meat",
                         laboratory_confirmed=True, synthetic=True))
    session.flush()
    service.detect(session=session, as_of=today, requested_by="demo")
