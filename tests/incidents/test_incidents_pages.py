"""Occupational diseases, exposure denominators, trends, league tables and the enterprise page, end to end."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select


def _token(client, url: str) -> str:
    return client.get(url).text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _user(session, username: str):
    from qorgau.core.models import User

    return session.execute(select(User).where(User.username == username)).scalar_one()


def test_a_disease_case_with_a_bad_icd10_code_is_refused_with_the_field_named(sign_in, session):
    from qorgau.core.db import utcnow
    from qorgau.incidents import diseases
    from qorgau.incidents.models import DiseaseCase

    inspector = sign_in("inspector")
    inspector.cookies.set("lang", "en")
    before = session.execute(select(func.count()).select_from(DiseaseCase)).scalar_one()
    last_year = utcnow().year - 1
    form = {"enterprise_id": "1", "diagnosed_on": f"{last_year}-05-14", "icd10": "J6", "harmful_factor": "dust",
            "exposure_years": "17,5", "isco08": "8111", "sex": "m", "age_band": "45-54"}
    bad = inspector.post("/incidents/diseases/new", data={"csrf_token": _token(inspector, "/incidents/diseases/new"),
                                                          **form}, follow_redirects=False)
    assert bad.status_code == 422 and "ICD-10 code must look like J62" in bad.text
    assert 'id="f-icd10"' in bad.text and 'aria-invalid="true"' in bad.text.split('id="f-icd10"', 1)[1][:300]
    assert session.execute(select(func.count()).select_from(DiseaseCase)).scalar_one() == before
    good = inspector.post("/incidents/diseases/new", data={"csrf_token": _token(inspector, "/incidents/diseases/new"),
                                                           **form, "icd10": "j62.8"}, follow_redirects=False)
    assert good.status_code == 303
    case = session.execute(select(DiseaseCase).order_by(DiseaseCase.id.desc())).scalars().first()
    assert (case.icd10, case.exposure_years, case.enterprise_id) == ("J62.8", 17.5, 1)
    assert not hasattr(case, "name")
    listed = inspector.get("/incidents/diseases")
    assert listed.status_code == 200 and "J62.8" in listed.text
    outside = {**form, "icd10": "J62", "enterprise_id": "2"}
    assert inspector.post("/incidents/diseases/new", data={"csrf_token": _token(inspector, "/incidents/diseases/new"),
                                                           **outside}).status_code == 404
    # Their own rates: per 100,000 workers with exact intervals, the new case counted in its year.
    analyst = _user(session, "analyst")
    rows = diseases.rates_for(session=session, actor=analyst, by=["year"], base="per_100k_workers")
    row = next(r for r in rows if r["group"] == last_year)
    assert row["cases"] >= 1 and row["ci_low"] <= row["rate"] <= row["ci_high"]
    assert abs(row["rate"] - row["cases"] / row["exposure"] * 100_000) < 1e-9


def test_denominators_are_entered_estimated_and_imported_all_or_nothing(sign_in, session):
    from qorgau.core.models import AuditEntry
    from qorgau.incidents.models import Denominator

    officer = sign_in("admin")
    officer.cookies.set("lang", "en")
    token = _token(officer, "/incidents/denominators?year=2020")
    saved = officer.post("/incidents/denominators", data={"csrf_token": token, "enterprise_id": "3", "year": "2020",
                                                          "workers": "120", "hours": ""}, follow_redirects=False)
    assert saved.status_code == 303
    row = session.execute(select(Denominator).where(Denominator.enterprise_id == 3, Denominator.year == 2020)) \
        .scalar_one()
    assert (row.workers, row.hours, row.hours_estimated) == (120.0, 216_000.0, True)
    page = officer.get("/incidents/denominators?year=2020")
    assert "estimated from headcount" in page.text and "no entry for this year" in page.text
    bad = officer.post("/incidents/denominators", data={"csrf_token": token, "enterprise_id": "3", "year": "2020",
                                                        "workers": "many"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text.split('id="f-workers"', 1)[1][:300]

    before = session.execute(select(func.count()).select_from(Denominator)).scalar_one()
    csv = "enterprise_id,year,workers,hours\n4,2020,50,90000\n5,2020,-3,1000\n6,2020,10,18000\n"
    failed = officer.post("/incidents/denominators/import", data={"csrf_token": token, "year": "2020"},
                          files={"file": ("d.csv", csv.encode(), "text/csv")})
    assert failed.status_code == 422 and "nothing was imported" in failed.text
    assert "<td class=\"num\">3</td><td>workers</td>" in failed.text
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Denominator)).scalar_one() == before
    osha = ("establishment_id,year_filing_for,annual_average_employees,total_hours_worked,total_deaths,"
            "total_dafw_cases,total_djtr_cases,total_other_cases\n4,2020,50,,0,1,0,2\n6,2020,10,18000,0,0,0,0\n")
    staged = officer.post("/incidents/denominators/import", data={"csrf_token": token, "year": "2020"},
                          files={"file": ("300a.csv", osha.encode(), "text/csv")})
    assert staged.status_code == 200 and "Preview: nothing is imported yet" in staged.text
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Denominator)).scalar_one() == before  # a dry run
    file_token = staged.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    done = officer.post("/incidents/denominators/import/commit",
                        data={"csrf_token": token, "year": "2020", "token": file_token, "zero_hours": "drop"})
    assert done.status_code == 200 and "2 rows imported" in done.text
    session.expire_all()
    event = session.execute(select(AuditEntry).where(AuditEntry.action == "import",
                                                     AuditEntry.object_type == "incidents.denominators")).scalar_one()
    assert event.after["counts"] == {"denominators": 2} and event.after["filename"] == "300a.csv"
    again = officer.post("/incidents/denominators/import/commit",
                         data={"csrf_token": token, "year": "2020", "token": file_token})
    assert again.status_code == 422 and "already imported" in again.text  # the staged file is used up
    session.expire_all()
    imported = {d.enterprise_id: d for d in session.execute(
        select(Denominator).where(Denominator.year == 2020, Denominator.enterprise_id.in_([4, 6]))).scalars()}
    assert imported[4].hours_estimated and imported[4].hours == 90_000 and not imported[6].hours_estimated
    assert sign_in("analyst").get("/incidents/denominators").status_code == 403


def test_trends_league_tables_and_the_enterprise_page_export(sign_in):
    state = sign_in("admin")
    state.cookies.set("lang", "en")
    page = state.get("/incidents/trends?base=per_1m_hours")
    assert page.status_code == 200
    text = page.text
    assert any(words in text for words in ("No real trend", "really falling", "really rising"))
    assert "Frequency rate per 1,000,000 hours worked" in text and "/incidents/enterprises/" in text
    csv = state.get("/incidents/trends?base=per_1m_hours&table=region&export=csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Group,Cases,Exposure,Rate") and len(lines) > 2 and lines[1].endswith("per_1m_hours")
    xlsx = state.get("/incidents/trends?table=enterprise&export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(1, 1).value == "Group" and sheet.max_row > 1
    for table in ("year", "sector", "diseases"):
        assert state.get(f"/incidents/trends?table={table}&export=csv").status_code == 200
    assert state.get("/incidents/trends?base=bogus").status_code == 422
    enterprise = state.get("/incidents/enterprises/1")
    assert enterprise.status_code == 200 and "Sector rate" in enterprise.text and "/incidents/accidents/" in enterprise.text
    exported = state.get("/incidents/enterprises/1?export=xlsx")
    assert load_workbook(io.BytesIO(exported.content)).active.cell(1, 6).value == "Sector rate"
    inspector = sign_in("inspector")
    assert inspector.get("/incidents/enterprises/2").status_code == 404
    assert inspector.get("/incidents/enterprises/1").status_code == 200
    assert inspector.get("/incidents/trends").status_code == 403
