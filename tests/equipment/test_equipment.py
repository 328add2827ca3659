"""Equipment register end to end: the service life (passport, type, extension, unknown), shares by enterprise,
sector and region in SQL, the renewal figure for the Safety Index, accident links, plans and their escalation,
status machines, permissions and scope, API, exports and pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

TODAY = date(2026, 6, 1)


def _user(session, name):
    from qorgau.core.models import User

    return session.execute(select(User).where(User.username == name)).scalar_one()


def _fresh_enterprise(session):
    """A demo enterprise without demo equipment (the demo fills the first 30)."""
    from qorgau.equipment.models import EquipmentItem
    from qorgau.registry.models import Enterprise

    used = select(EquipmentItem.enterprise_id)
    return session.execute(select(Enterprise).where(Enterprise.id.not_in(used)).order_by(Enterprise.id)
                           .limit(1)).scalar_one()


def _add(session, enterprise_id, number, *, year, life=None, type_code="crane_overhead", condition="good"):
    from qorgau.equipment import service
    from qorgau.equipment.schemas import ItemIn

    admin = _user(session, "admin")
    return service.create_item(session=session, actor=admin, item_in=ItemIn(
        enterprise_id=enterprise_id, type_code=type_code, inventory_number=number, commissioned_year=year,
        service_life_years=life, condition=condition))


def test_service_life_comes_from_the_passport_then_the_type_and_unknown_is_never_new(session):
    from qorgau.equipment import service

    enterprise = _fresh_enterprise(session)
    passport = _add(session, enterprise.id, "A-1", year=2000, life=20)
    assert (passport.service_life_years, passport.service_life_source) == (20, "passport")
    assert passport.life_ends_on == date(2020, 12, 31) and service.life_state(passport, TODAY) == "past"
    lift = _add(session, enterprise.id, "A-2", year=2010, type_code="lift")  # TR CU 011/2011: 25 years
    assert (lift.service_life_years, lift.service_life_source, lift.life_ends_on) == (25, "type", date(2035, 12, 31))
    no_year = _add(session, enterprise.id, "A-3", year=None, life=10)
    no_life = _add(session, enterprise.id, "A-4", year=1980, type_code="crane_gantry")  # no life in any source
    assert no_year.life_ends_on is None and no_life.life_ends_on is None
    assert service.life_state(no_year, TODAY) == service.life_state(no_life, TODAY) == "unknown"

    renewal = service.renewal_for_enterprises(session=session, on=TODAY)
    assert renewal[enterprise.id] == 50.0  # 1 of the 2 items with a known end of life is within it


def test_an_extension_after_an_expert_examination_counts(session):
    from qorgau.core.errors import ValidationFailed
    from qorgau.equipment import service
    from qorgau.equipment.schemas import CertificateIn

    employer = _user(session, "employer")
    item = _add(session, employer.scope_enterprise_id, "EXT-1", year=1990, life=20)
    with pytest.raises(ValidationFailed):  # no expert examination on record yet
        service.extend_life(session=session, actor=employer, item_id=item.id, until=date(2028, 1, 1), basis="ЭПБ")
    service.add_certificate(session=session, actor=employer, item_id=item.id, certificate_in=CertificateIn(
        kind="expert_examination", number="ЭПБ-1", issued_on=date(2025, 1, 10), expires_on=date(2028, 1, 10)))
    service.extend_life(session=session, actor=employer, item_id=item.id, until=date(2028, 1, 10),
                        basis="Заключение ЭПБ № 1")
    assert item.life_ends_on == date(2028, 1, 10) and service.life_state(item, TODAY) == "within"
    assert service.life_state(item, date(2028, 2, 1)) == "past"


def test_shares_group_in_sql_by_enterprise_sector_and_region(session):
    from qorgau.equipment import service
    from qorgau.equipment.schemas import CertificateIn
    from qorgau.registry.models import Enterprise

    enterprise = _fresh_enterprise(session)
    admin = _user(session, "admin")
    old = _add(session, enterprise.id, "S-1", year=1970, life=20)
    _add(session, enterprise.id, "S-2", year=2020, life=20)
    _add(session, enterprise.id, "S-3", year=None, life=20)
    _add(session, enterprise.id, "S-4", year=1950, life=10, condition="out_of_service")
    service.add_certificate(session=session, actor=admin, item_id=old.id, certificate_in=CertificateIn(
        kind="technical_examination", issued_on=date(2020, 1, 1), expires_on=date(2023, 1, 1)))
    rows = {r["group"]: r for r in service.shares(session=session, actor=admin, by="enterprise", on=TODAY)}
    mine = rows[str(enterprise.id)]
    assert (mine["items"], mine["known"], mine["unknown"], mine["past_life"]) == (4, 3, 1, 2)
    assert mine["past_life_percent"] == pytest.approx(66.7) and mine["expired_certificates"] == 1
    for by, key in (("sector", enterprise.sector_code), ("region", enterprise.region_kato)):
        rows = {r["group"]: r for r in service.shares(session=session, actor=admin, by=by, on=TODAY)}
        from qorgau.equipment.models import EquipmentItem

        column = Enterprise.sector_code if by == "sector" else Enterprise.region_kato
        expected = session.execute(select(func.count(EquipmentItem.id)).join(Enterprise)
                                   .where(column == key, EquipmentItem.condition != "decommissioned")).scalar_one()
        assert rows[key]["items"] == expected


def test_plan_status_machine():
    from qorgau.core.errors import Conflict, ValidationFailed
    from qorgau.equipment.models import PLAN_MOVES, PlanStatus

    assert PLAN_MOVES.move("planned", "in_progress") == PlanStatus.in_progress
    assert PLAN_MOVES.move("in_progress", "done") == PlanStatus.done
    assert PLAN_MOVES.move("in_progress", "planned") == PlanStatus.planned
    assert PLAN_MOVES.move("planned", "cancelled") == PlanStatus.cancelled
    for closed in ("done", "cancelled"):
        assert PLAN_MOVES.next_states(closed) == []
    with pytest.raises(Conflict):
        PLAN_MOVES.move("done", "in_progress")
    with pytest.raises(ValidationFailed):
        PLAN_MOVES.move("planned", "finished")


def test_condition_status_machine():
    from qorgau.core.errors import Conflict
    from qorgau.equipment.models import CONDITION_MOVES, Condition

    assert CONDITION_MOVES.move("good", "needs_repair") == Condition.needs_repair
    assert CONDITION_MOVES.move("needs_repair", "good") == Condition.good
    assert CONDITION_MOVES.move("out_of_service", "decommissioned") == Condition.decommissioned
    with pytest.raises(Conflict):
        CONDITION_MOVES.move("decommissioned", "good")
    with pytest.raises(Conflict):
        CONDITION_MOVES.move("good", "good")
    assert CONDITION_MOVES.next_states("decommissioned") == []


def test_an_accident_caused_by_worn_equipment_links_and_shows_on_the_enterprise_page(session, sign_in):
    from qorgau.equipment.models import AccidentLink, EquipmentItem
    from qorgau.incidents.models import Accident

    employer = _user(session, "employer")
    enterprise_id = employer.scope_enterprise_id
    worn = session.execute(select(Accident).where(Accident.enterprise_id == enterprise_id,
                                                  Accident.cause == "worn_equipment")).scalars().all()
    other = session.execute(select(Accident).where(Accident.enterprise_id == enterprise_id,
                                                   Accident.cause != "worn_equipment")).scalars().first()
    item = _add(session, enterprise_id, "LINK-1", year=1975, life=25)
    session.commit()
    client = sign_in("employer")
    if other is not None:
        refused = client.post(f"/api/v1/equipment/items/{item.id}/accidents", json={"accident_id": other.id})
        assert refused.status_code == 422 and refused.json()["error"]["field"] == "accident_id"
    target = next(a for a in worn if not session.execute(select(AccidentLink).where(
        AccidentLink.accident_id == a.id, AccidentLink.item_id == item.id)).first())
    linked = client.post(f"/api/v1/equipment/items/{item.id}/accidents", json={"accident_id": target.id,
                                                                               "note": "трос изношен"})
    assert linked.status_code == 201 and target.id in linked.json()["accident_ids"]
    again = client.post(f"/api/v1/equipment/items/{item.id}/accidents", json={"accident_id": target.id})
    assert again.status_code == 409
    page = client.get(f"/equipment/enterprises/{enterprise_id}")
    assert page.status_code == 200
    assert f'data-item="{item.id}"' in page.text and f"/incidents/accidents/{target.id}" in page.text
    card = client.get(f"/registry/enterprises/{enterprise_id}")  # the registry's card, through its block hook
    assert card.status_code == 200 and 'id="card-equipment"' in card.text
    block = card.text.split('id="card-equipment"', 1)[1].split("</section>", 1)[0]
    line = block.split(f'data-item="{item.id}"', 1)[1].split("</li>", 1)[0]
    assert "LINK-1" in line and f"/incidents/accidents/{target.id}" in line
    first = block.split("<li", 2)[1]
    assert "/incidents/accidents/" in first  # items whose wear caused an accident come first
    assert 'data-synthetic="1"' in block  # the demo register around it is synthetic, and says so
    analyst = sign_in("analyst")  # reads the registry but not the equipment register: no block
    seen = analyst.get(f"/registry/enterprises/{enterprise_id}")
    assert seen.status_code == 200 and 'id="card-equipment"' not in seen.text
    session.expire_all()
    assert session.get(Accident, target.id).cause == "worn_equipment"  # the incidents registry is untouched
    assert session.get(EquipmentItem, item.id).accidents[0].accident_id == target.id


def test_plan_lines_move_and_overdue_ones_climb_the_ladder(session, sign_in):
    from qorgau.core.models import AuditEntry, Notification
    from qorgau.equipment import escalation
    from qorgau.equipment.models import RenewalItem

    employer = _user(session, "employer")
    enterprise_id = employer.scope_enterprise_id
    client = sign_in("employer")
    created = client.post("/api/v1/equipment/plan-items", json={
        "enterprise_id": enterprise_id, "action": "replace", "due_on": (date.today() - timedelta(days=40)).isoformat(),
        "responsible": "Главный механик", "budget": 12500000})
    assert created.status_code == 201, created.text
    row_id = created.json()["id"]
    assert client.post(f"/api/v1/equipment/plan-items/{row_id}/progress", json={"progress": 40}).json()["status"] \
        == "in_progress"
    assert client.post(f"/api/v1/equipment/plan-items/{row_id}/status", json={"status": "planned"}).status_code == 200

    taken = escalation.escalate(session=session, today=date.today())
    session.commit()
    mine = [t for t in taken if t.plan_item_id == row_id]
    assert mine and mine[-1].level >= 2
    row = session.get(RenewalItem, row_id)
    assert row.escalation_level == mine[-1].level
    assert session.execute(select(func.count()).select_from(Notification).where(
        Notification.kind == "equipment.plan", Notification.user_id == employer.id)).scalar_one() >= 1
    assert session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "equipment.escalate")).scalar_one() >= 1
    assert not [t for t in escalation.escalate(session=session, today=date.today()) if t.plan_item_id == row_id]

    officer = sign_in("federation")  # the federation reads everything and can comment and escalate
    assert officer.post(f"/api/v1/equipment/plan-items/{row_id}/comments",
                        json={"body": "Просим ускорить замену"}).status_code == 201
    assert officer.post(f"/api/v1/equipment/plan-items/{row_id}/status", json={"status": "done"}).status_code == 403
    assert client.post(f"/api/v1/equipment/plan-items/{row_id}/status", json={"status": "done"}).json()["status"] \
        == "done"
    assert client.post(f"/api/v1/equipment/plan-items/{row_id}/status",
                       json={"status": "in_progress"}).status_code == 409


def test_roles_and_scope(session, sign_in):
    from qorgau.equipment.models import EquipmentItem

    employer = _user(session, "employer")
    outside = session.execute(select(EquipmentItem).where(EquipmentItem.enterprise_id != employer.scope_enterprise_id)
                              .limit(1)).scalar_one()
    client = sign_in("employer")
    assert client.get(f"/api/v1/equipment/items/{outside.id}").status_code == 404
    assert all(i["enterprise_id"] == employer.scope_enterprise_id
               for i in client.get("/api/v1/equipment/items").json())
    body = {"enterprise_id": outside.enterprise_id, "type_code": "boiler_steam", "inventory_number": "X-1"}
    assert client.post("/api/v1/equipment/items", json=body).status_code == 404
    inspector = sign_in("inspector")
    assert inspector.get("/api/v1/equipment/items").status_code == 200
    body["enterprise_id"] = employer.scope_enterprise_id
    assert inspector.post("/api/v1/equipment/items", json=body).status_code == 403
    made = client.post("/api/v1/equipment/items", json=body)
    assert made.status_code == 201 and made.json()["service_life_years"] is None
    assert client.post("/api/v1/equipment/items", json=body).status_code == 409  # same inventory number
    assert client.post("/api/v1/equipment/items", json={**body, "inventory_number": "X-2",
                                                        "type_code": "nope"}).status_code == 422
    assert sign_in("analyst").get("/api/v1/equipment/items").status_code == 403
    assert sign_in("analyst").get("/api/v1/equipment/shares?by=region").status_code == 200


def test_pages_and_exports(session, sign_in):
    employer = _user(session, "employer")
    client = sign_in("employer")
    for url in ("/equipment/", f"/equipment/enterprises/{employer.scope_enterprise_id}",
                f"/equipment/enterprises/{employer.scope_enterprise_id}/items?past=true", "/equipment/shares",
                "/equipment/shares?by=sector", "/equipment/import",
                f"/equipment/enterprises/{employer.scope_enterprise_id}/items/new"):
        assert client.get(url).status_code == 200, url
    csv_text = client.get("/equipment/?fmt=csv").text
    assert "ИНВ-" in csv_text or "INV" in csv_text
    xlsx = client.get("/api/v1/equipment/shares/export?by=region&fmt=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    made = client.post(f"/equipment/enterprises/{employer.scope_enterprise_id}/items/new",
                       data={"type_code": "boiler_steam", "inventory_number": "FORM-1", "commissioned_year": "1999",
                             "service_life_years": "24", "condition": "good"}, follow_redirects=False)
    assert made.status_code == 303
    item_page = client.get(made.headers["location"])
    assert "FORM-1" in item_page.text
    bad = client.post(f"/equipment/enterprises/{employer.scope_enterprise_id}/items/new",
                      data={"type_code": "boiler_steam", "inventory_number": "FORM-2", "commissioned_year": "2999"})
    assert bad.status_code == 422
