"""The investigation workflow (Labour Code art. 187-190) through the pages: notification, commission with the
workers' representative, the 10-working-day clock with Kazakhstan's holidays, extensions, the act with dissent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from qorgau.incidents.engine.calendar_kz import Calendar


def _csrf(client) -> str:
    return client.cookies.get("csrf_token") or ""


def _post(client, url: str, data: dict):
    page = client.get(url.rsplit("/", 1)[0] if url.endswith(("/notification", "/commission", "/extensions", "/act"))
                      else url)
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def _accident(client, occurred_on: str, outcomes=("serious",), enterprise_id: int = 1) -> int:
    body = {"enterprise_id": enterprise_id, "occurred_on": occurred_on, "victims": [{"outcome": o} for o in outcomes]}
    created = client.post("/api/v1/incidents/accidents", json=body)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_the_investigation_clock_counts_working_days_around_nauryz():
    from qorgau.incidents import workflow

    calendar = Calendar()
    # Formed Friday 20 March 2026: 21-25 March are off (Nauryz, moved from the weekend), so ten working days
    # end on 8 April; without holidays they would end on 3 April.
    assert calendar.add_working_days(date(2026, 3, 20), 10) == date(2026, 4, 8)
    assert workflow.provisional_due(date(2026, 3, 19)) == date(2026, 4, 8)


def test_investigation_from_notification_to_the_act(sign_in, session):
    from qorgau.incidents.models import Accident

    inspector = sign_in("inspector")
    inspector.cookies.set("lang", "en")
    accident_id = _accident(inspector, "2026-03-19")
    url = f"/incidents/accidents/{accident_id}"
    page = inspector.get(url)
    assert page.status_code == 200 and "Investigation steps" in page.text
    # Nobody notified: the step is overdue on the page, in the list and in the home panel.
    assert "overdue" in page.text
    listed = inspector.get("/incidents/accidents?overdue=1")
    assert f'/incidents/accidents/{accident_id}"' in listed.text and "notification missing" in listed.text
    home = inspector.get("/")
    assert f"/incidents/accidents/{accident_id}" in home.text

    late = _post(inspector, f"{url}/notification", {"notified_on": "2026-03-23"})
    assert late.status_code == 303
    assert "later than one day" in inspector.get(url).text
    assert _post(inspector, f"{url}/notification", {"notified_on": "2026-03-01"}).status_code == 422

    members = {"formed_on": "2026-03-20", "member_name_1": "A. Seitkali", "member_role_1": "chief engineer, chair",
               "member_name_2": "B. Omarova", "member_role_2": "union technical inspector"}
    refused = _post(inspector, f"{url}/commission", members)
    assert refused.status_code == 422 and "represents the workers" in refused.text
    assert 'name="workers_representative"' in refused.text
    assert _post(inspector, f"{url}/commission", {**members, "workers_representative": "2"}).status_code == 303
    session.expire_all()
    accident = session.get(Accident, accident_id)
    assert accident.investigation_due == date(2026, 4, 8)
    assert [m.workers_representative for m in accident.members] == [False, True]
    assert accident.commission == "territorial_inspector"

    too_far = _post(inspector, f"{url}/extensions", {"new_due": "2026-04-23", "reason": "expert report"})
    assert too_far.status_code == 422 and "at most 10 working days" in too_far.text
    assert _post(inspector, f"{url}/extensions", {"new_due": "2026-04-22", "reason": ""}).status_code == 422
    assert _post(inspector, f"{url}/extensions", {"new_due": "2026-04-22", "reason": "expert report"}).status_code == 303
    assert _post(inspector, f"{url}/extensions", {"new_due": "2026-04-30", "reason": "police"}).status_code == 303
    third = _post(inspector, f"{url}/extensions", {"new_due": "2026-05-05", "reason": "again"})
    assert third.status_code == 422 and "at most twice" in third.text
    session.expire_all()
    accident = session.get(Accident, accident_id)
    assert [(x.previous_due, x.new_due) for x in accident.extensions] == [
        (date(2026, 4, 8), date(2026, 4, 22)), (date(2026, 4, 22), date(2026, 4, 30))]
    assert accident.investigation_due == date(2026, 4, 30)

    representative = accident.members[1].id
    over = _post(inspector, f"{url}/act", {"act_on": "2026-04-28", "employer_fault_percent": "80",
                                           "worker_fault_percent": "30"})
    assert over.status_code == 422 and "cannot exceed 100%" in over.text
    done = _post(inspector, f"{url}/act", {"act_on": "2026-04-28", "employer_fault_percent": "70",
                                           "worker_fault_percent": "30",
                                           f"dissent_{representative}": "The worker had no protective equipment."})
    assert done.status_code == 303
    session.expire_all()
    accident = session.get(Accident, accident_id)
    assert (accident.act_on, accident.employer_fault_percent, accident.worker_fault_percent) == (
        date(2026, 4, 28), 70, 30)
    assert accident.members[1].dissent == "The worker had no protective equipment."
    assert accident.members[0].dissent == ""
    inspector.cookies.set("lang", "ru")
    page = inspector.get(url)
    assert page.status_code == 200 and "The worker had no protective equipment." in page.text
    listed = inspector.get("/incidents/accidents?overdue=1")
    assert f'/incidents/accidents/{accident_id}"' not in listed.text


def test_the_act_needs_a_commission_with_the_workers_representative(sign_in, session):
    from qorgau.incidents.models import Accident

    inspector = sign_in("inspector")
    inspector.cookies.set("lang", "en")
    accident_id = _accident(inspector, "2026-02-02", outcomes=("light",))
    refused = _post(inspector, f"/incidents/accidents/{accident_id}/act",
                    {"act_on": "2026-02-10", "employer_fault_percent": "100"})
    assert refused.status_code == 422 and "workers&#39; representative" in refused.text
    assert session.execute(select(Accident.act_on).where(Accident.id == accident_id)).scalar_one() is None
    # Another enterprise's accident is out of the inspector's scope.
    other = session.execute(select(Accident.id).where(Accident.enterprise_id != 1)).scalars().first()
    assert inspector.get(f"/incidents/accidents/{other}").status_code == 404
