"""The accident registry on the database: recording, classification, scope, rates, import."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from typer.testing import CliRunner


def test_recording_classifies_and_sets_the_investigation_clock(sign_in):
    inspector = sign_in("inspector")
    body = {"enterprise_id": 1, "occurred_on": (date.today() - timedelta(days=2)).isoformat(), "cause": "worn_equipment",
            "victims": [{"outcome": "serious", "days_lost": 40, "sex": "m"}, {"outcome": "light"}]}
    created = inspector.post("/api/v1/incidents/accidents", json=body)
    assert created.status_code == 201, created.text
    accident = created.json()
    assert accident["category"] == "group" and accident["victims"] == 2 and accident["serious"] == 1
    assert accident["commission"] == "territorial_inspector"
    assert accident["investigation_due"] > body["occurred_on"]
    future = {**body, "occurred_on": (date.today() + timedelta(days=3)).isoformat()}
    assert inspector.post("/api/v1/incidents/accidents", json=future).status_code == 422
    page = inspector.get(f"/incidents/accidents/{accident['id']}", cookies={"lang": "ru"})
    assert page.status_code == 200 and "Вина работодателя, %" in page.text
    assert inspector.get("/incidents/accidents", cookies={"lang": "kk"}).status_code == 200
    outside = {**body, "enterprise_id": 2}
    assert inspector.post("/api/v1/incidents/accidents", json=outside).status_code == 404


def test_rates_name_their_base_and_carry_intervals(sign_in):
    rows = sign_in("analyst").get("/api/v1/incidents/rates?by=union&base=per_100k_workers").json()
    assert {r["group"] for r in rows} <= {"union", "no_union"} and rows
    for row in rows:
        assert row["base"] == "per_100k_workers"
        assert row["ci_low"] <= row["rate"] <= row["ci_high"]
        assert abs(row["rate"] - row["cases"] / row["exposure"] * 100_000) < 1e-9
    assert sign_in("analyst").get("/api/v1/incidents/rates?by=colour").status_code == 422


def test_dashboard_renders_the_map_without_a_cdn(sign_in):
    page = sign_in("state").get("/incidents/", cookies={"lang": "ru"})
    assert page.status_code == 200 and 'class="plot" role="img"' in page.text  # drawn by charts.js from JSON
    assert "cdn.plot.ly" not in page.text and "https://" not in page.text.split("<main")[1]
    assert "\"fill\":\"toself\"" in page.text  # regions as polygons: a geo trace would fetch the world from a CDN


def test_import_with_an_unknown_enterprise_writes_nothing(demo_url, session, tmp_path, monkeypatch):
    from qorgau.cli import app
    from qorgau.core.config import get_settings
    from qorgau.incidents.models import Accident

    monkeypatch.setenv("QORGAU_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    before = session.execute(select(func.count()).select_from(Accident)).scalar_one()
    source = tmp_path / "acc.csv"
    source.write_text("accident_id,date,enterprise_id,outcome,days_lost\nA1,2024-03-01,1,serious,30\n"
                      "A1,2024-03-01,1,light,3\nA2,2024-04-02,99999,fatal,0\n", encoding="utf-8")
    try:
        failed = CliRunner().invoke(app, ["incidents", "import", str(source)])
        assert failed.exit_code == 1 and "row 4" in failed.output and "enterprise_id" in failed.output
        session.expire_all()
        assert session.execute(select(func.count()).select_from(Accident)).scalar_one() == before
        source.write_text(source.read_text(encoding="utf-8").replace("99999", "2"), encoding="utf-8")
        done = CliRunner().invoke(app, ["incidents", "import", str(source)])
        assert done.exit_code == 0, done.output
        session.expire_all()
        assert session.execute(select(func.count()).select_from(Accident)).scalar_one() == before + 2
        rates = CliRunner().invoke(app, ["incidents", "rates", "--by", "region", "--base", "per_1m_hours",
                                         "--format", "json"])
        assert rates.exit_code == 0 and '"base": "per_1m_hours"' in rates.output
    finally:
        get_settings.cache_clear()


def test_under_reporting_is_estimated_from_overlapping_sources(sign_in, session):
    from qorgau.core.db import utcnow
    from qorgau.core.models import User
    from qorgau.incidents import service

    analyst = session.execute(select(User).where(User.username == "analyst")).scalar_one()
    result = service.under_reporting(session=session, actor=analyst, year=utcnow().year - 1)
    assert result["sources"] == ["hospital", "registry", "union_inspector"]
    estimate = result["estimate"]
    assert estimate["method"] == "loglinear"
    assert estimate["ci_low"] <= estimate["estimate"] <= estimate["ci_high"]
    assert estimate["estimate"] >= estimate["observed"] >= result["registered"] > 0
    assert result["concealment"]["ratio"] >= 1
    page = sign_in("analyst").get("/incidents/under-reporting", cookies={"lang": "kk"})
    assert page.status_code == 200 and "лог-сызықтық модель" in page.text  # the method named in Kazakh
