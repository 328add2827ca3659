"""Duplicate submissions give one row and a clean answer: the same client key posted twice at once, the
HTML form sent twice, one file imported twice at once; and a refusal on a form is a 403, not a 200."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from tests.availability import client, serve, together

pytestmark = pytest.mark.timeout(900)  # the first test may build the demo template


def _count(app, *where) -> int:
    from qorgau.deviations.models import Violation

    with app.state.sessionmaker() as session:
        return session.execute(select(func.count()).select_from(Violation).where(*where)).scalar_one()


def _zone(app) -> int:
    from qorgau.registry.models import Site, Zone

    with app.state.sessionmaker() as session:
        return session.execute(select(Zone.id).join(Site).where(Site.enterprise_id == 1).limit(1)).scalar()


def test_the_same_client_key_posted_twice_at_once_makes_one_row(app):
    from qorgau.deviations.models import Violation

    body = {"enterprise_id": 1, "zone_id": _zone(app), "category": "ppe", "severity": "minor",
            "description": "No helmets at the casting bay", "client_key": "offline-entry-0001"}
    with serve(app) as base:
        inspector = client(base, "inspector")
        answers = together(lambda: inspector.post("/api/v1/deviations/violations", json=body),
                           lambda: inspector.post("/api/v1/deviations/violations", json=body))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 201], [a.text[:300] for a in answers]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert _count(app, Violation.client_key == "offline-entry-0001") == 1


def test_the_html_form_sent_twice_makes_one_row(app):
    from qorgau.deviations.models import Violation

    with serve(app) as base:
        inspector = client(base, "inspector")
        page = inspector.get("/deviations/violations/new")
        token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
        form = {"enterprise_id": "1", "zone_id": str(_zone(app)), "category": "ppe", "severity": "minor",
                "description": "Twice-sent form: no guard on the conveyor", "form_token": token,
                "csrf_token": inspector.headers["X-CSRF-Token"]}
        answers = together(lambda: inspector.post("/deviations/violations/new", data=form),
                           lambda: inspector.post("/deviations/violations/new", data=form))
        again = inspector.post("/deviations/violations/new", data=form)  # a third time, later (back button)
    locations = {a.headers.get("location") for a in [*answers, again]}
    assert [a.status_code for a in [*answers, again]] == [303, 303, 303]
    assert len(locations) == 1 and "/deviations/violations/" in locations.pop()
    assert _count(app, Violation.description == "Twice-sent form: no guard on the conveyor") == 1


def test_one_file_imported_twice_at_once_is_imported_once(app):
    from qorgau.deviations.models import Violation
    from qorgau.registry.models import Enterprise

    with app.state.sessionmaker() as session:
        number = session.get(Enterprise, 1).bin
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["БИН", "Дата выявления", "Категория", "Тяжесть", "Описание нарушения"])
    for i in range(40):
        writer.writerow([number, f"{1 + i % 28:02d}.03.2025", "ppe", "minor", f"Race import row {i}"])
    with serve(app) as base:
        inspector = client(base, "inspector")
        staged = inspector.post("/deviations/import", files={"file": ("race.csv", buffer.getvalue().encode())})
        assert staged.status_code == 200, staged.text[:500]
        token = re.search(r'name="token" value="([0-9a-f]{64})"', staged.text).group(1)
        url = "/deviations/import/commit"
        mapping = {"map_enterprise": "бин", "map_found_on": "дата выявления", "map_category": "категория",
                   "map_severity": "тяжесть", "map_description": "описание нарушения", "token": token,
                   "csrf_token": inspector.headers["X-CSRF-Token"]}
        answers = together(lambda: inspector.post(url, data=mapping), lambda: inspector.post(url, data=mapping))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 422], [a.text[-600:] for a in answers]
    refused = next(a for a in answers if a.status_code == 422)
    assert "already imported" in refused.text
    assert _count(app, Violation.description.like("Race import row %")) == 40


def test_a_refused_step_on_the_violation_page_answers_403(sign_in, session):
    from qorgau.deviations.models import CorrectiveAction, Violation

    action = session.execute(select(CorrectiveAction).join(Violation).where(Violation.enterprise_id == 1)
                             .limit(1)).scalar()
    employer = sign_in("employer")
    refused = employer.post(f"/deviations/actions/{action.id}/verdict", data={"accept": "1"},
                            follow_redirects=False)
    assert refused.status_code == 403, refused.status_code
