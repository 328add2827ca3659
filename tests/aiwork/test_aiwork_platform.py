"""AI at work on the platform: upload (all or nothing, row/column errors), dashboard figures against the
engine, scenarios, retraining plans, permissions, the synthetic label."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from qorgau.aiwork import employment, exposure, reskilling, scenarios
from qorgau.aiwork.models import EmploymentRow, EmploymentTable, Plan

GOOD_CSV = ("isco08,employed,region,sector,sex\n"
            "2411,1200,750000000,K,female\n"
            "2411,800,750000000,K,male\n"
            "4110,3000,710000000,O,female\n"
            "24,500,710000000,M,male\n"  # a sub-major group: split equally across its unit groups
            "7112,2500,550000000,F,male\n"
            "9112,700,750000000,N,female\n")
BAD_CSV = ("isco08,employed,region,sector,sex\n"
           "2411,1200,750000000,K,female\n"
           "9999,800,750000000,K,male\n"
           "4110,lots,710000000,O,female\n")
META = {"title": "Almaty and Astana test employment", "source": "Test survey 2025", "year": "2025"}


def _count(session, model) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def _upload(client, text: str, action: str = "import", **fields):
    files = {"file": ("employment.csv", io.BytesIO(text.encode("utf-8")), "text/csv")}
    return client.post("/aiwork/upload", data={**META, **fields, "action": action,
                                               "csrf_token": client.headers["X-CSRF-Token"]},
                       files=files, follow_redirects=False, cookies={"lang": "en"})


def _demo_table(session) -> EmploymentTable:
    return session.execute(select(EmploymentTable).where(EmploymentTable.synthetic.is_(True))
                           .order_by(EmploymentTable.id)).scalars().first()


def test_upload_with_bad_rows_names_row_and_column_and_writes_nothing(session, sign_in):
    officer = sign_in("officer")
    tables, rows = _count(session, EmploymentTable), _count(session, EmploymentRow)
    for action in ("preview", "import"):
        page = _upload(officer, BAD_CSV, action=action)
        assert page.status_code == 422, page.text[:300]
        problems = re.findall(r"<tr><td>(\d+)</td><td>(\w+)</td><td>([^<]*)</td></tr>", page.text)
        assert [(row, column) for row, column, _m in problems] == [("3", "isco08"), ("4", "employed")]
        assert "9999" in problems[0][2] and "lots" in problems[1][2]
        assert "nothing was imported" in page.text
    assert _count(session, EmploymentTable) == tables and _count(session, EmploymentRow) == rows
    api = officer.post("/api/v1/aiwork/tables", data={**META},
                       files={"file": ("e.csv", io.BytesIO(BAD_CSV.encode()), "text/csv")})
    assert api.status_code == 422
    assert [(p["row"], p["column"]) for p in api.json()["error"]["problems"]] == [(3, "isco08"), (4, "employed")]
    assert _count(session, EmploymentTable) == tables
    for text, where in (("isco08,employed,sex,sex\n2411,5,f,m\n", (1, "sex")),
                        ("isco08,employed\n2411,5\n2412,1e12\n", (3, "employed"))):
        api = officer.post("/api/v1/aiwork/tables", data={**META},
                           files={"file": ("e.csv", io.BytesIO(text.encode()), "text/csv")})
        assert api.status_code == 422 and (api.json()["error"]["problems"][0]["row"],
                                           api.json()["error"]["problems"][0]["column"]) == where
    assert _count(session, EmploymentTable) == tables
    from qorgau.core.tabular import to_xlsx

    workbook = to_xlsx(["isco08", "employed", "sex"], [["2411", 10, "f"], ["2412", 5, "robot"]])
    xlsx = officer.post("/aiwork/upload", data={**META, "action": "import", "csrf_token": officer.headers["X-CSRF-Token"]},
                        files={"file": ("e.xlsx", io.BytesIO(workbook), "application/octet-stream")},
                        cookies={"lang": "en"})
    assert xlsx.status_code == 422 and "<tr><td>3</td><td>sex</td><td>&#39;robot&#39; is not a sex" in xlsx.text
    assert _count(session, EmploymentTable) == tables


def test_a_good_upload_is_previewed_then_shows_in_the_dashboard_figures(session, sign_in):
    officer = sign_in("officer")
    before = _count(session, EmploymentTable)
    preview = _upload(officer, GOOD_CSV, action="preview")
    assert preview.status_code == 200 and 'id="preview"' in preview.text
    assert _count(session, EmploymentTable) == before  # the preview writes nothing
    token = re.search(r'name="token" value="([0-9a-f]{64})"', preview.text).group(1)  # staged, not in the page
    assert 'name="content"' not in preview.text
    stored = officer.post("/aiwork/upload", data={**META, "filename": "employment.csv", "token": token,
                                                  "action": "import", "csrf_token": officer.headers["X-CSRF-Token"]},
                          follow_redirects=False)
    assert stored.status_code == 303, stored.text[:500]
    table_id = int(stored.headers["location"].rsplit("/", 1)[1])
    table = session.get(EmploymentTable, table_id)
    assert table.row_count == 6 and table.employed == 8700 and not table.synthetic
    assert table.dimensions == ["region", "sector", "sex"] and table.source == "Test survey 2025"
    from qorgau.core.models import AuditEntry

    event = session.execute(select(AuditEntry).where(AuditEntry.action == "import",
                                                     AuditEntry.object_type == "aiwork.employment")).scalars().all()
    assert event and event[-1].after["counts"]["table_id"] == table_id

    engine_table = employment.validate(_frame(GOOD_CSV), dims=["region", "sector", "sex"])
    national = exposure.aggregate(engine_table).iloc[0]
    by_region = exposure.aggregate(engine_table, by=["region"]).set_index("region")
    page = officer.get(f"/aiwork/tables/{table_id}", cookies={"lang": "en"})
    assert page.status_code == 200
    assert f'data-figure="national-exposed">{national["exposed"]:,.0f}<' in page.text
    assert 'class="plot" role="img"' in page.text and "Synthetic data for demonstration" not in page.text
    api = officer.get(f"/api/v1/aiwork/tables/{table_id}/exposure?by=region").json()
    assert api["synthetic"] is False and len(api["rows"]) == 3
    for row in api["rows"]:
        expected = by_region.loc[row["group"]["region"]]
        for cls in ("not_exposed", "minimal", "1", "2", "3", "4"):
            assert row["by_gradient"][cls] == pytest.approx(expected[cls])
    # The 2-digit code 24 is split over the unit groups 2411-2434: its jobs land in their classes.
    assert sum(r["employed"] for r in api["rows"]) == pytest.approx(8700)


def _frame(text: str):
    import pandas as pd

    frame = pd.read_csv(io.StringIO(text), dtype=str)
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def test_dashboard_of_synthetic_data_says_so_on_every_figure(session, sign_in):
    page = sign_in("analyst").get("/aiwork/", cookies={"lang": "en"})
    assert page.status_code == 200
    assert 'data-synthetic="1"' in page.text and "Synthetic data for demonstration: not official statistics." in page.text
    figures = page.text.count('class="card" id=')
    assert figures >= 5 and page.text.count("synthetic data, not official statistics") >= figures
    table = _demo_table(session)
    assert 8_900_000 < table.employed < 9_100_000
    assert "cdn.plot.ly" not in page.text
    assert sign_in("analyst").get("/aiwork/", cookies={"lang": "kk"}).status_code == 200


def test_scenario_page_shows_presets_assumptions_and_recalculates_edits(session, sign_in):
    analyst = sign_in("analyst")
    table = _demo_table(session)
    page = analyst.get(f"/aiwork/tables/{table.id}/scenario?preset=fast", cookies={"lang": "en"})
    assert page.status_code == 200
    assert 'data-illustrative="1"' in page.text and 'data-synthetic="1"' in page.text
    assert 'name="ceiling_J"' in page.text and 'name="displaced_4"' in page.text
    from qorgau.aiwork import service

    frame = service.table_frame(session=session, table=table)
    edited = scenarios.with_changes(scenarios.load_assumptions("fast"), effects={"4": {"displaced_share": 0.3}})
    expected = scenarios.run(frame, edited).totals.set_index("year").loc[2035, "at_risk"]
    page = analyst.get(f"/aiwork/tables/{table.id}/scenario?preset=fast&displaced_4=0.3", cookies={"lang": "en"})
    row = re.search(r'<tr data-year="2035">.*?data-figure="at-risk">([\d,]+)<', page.text, re.S).group(1)
    assert int(row.replace(",", "")) == round(expected)
    bad = analyst.get(f"/aiwork/tables/{table.id}/scenario?preset=central&ceiling_J=1.7", cookies={"lang": "en"})
    assert bad.status_code == 422 and "ceiling 1.7" in bad.text
    assert analyst.post(f"/aiwork/tables/{table.id}/scenario", data={"name": "x", "csrf_token":
                                                                      analyst.headers["X-CSRF-Token"]}).status_code == 403
    officer = sign_in("officer")
    saved = officer.post(f"/aiwork/tables/{table.id}/scenario", data={
        "name": "Fast finance", "preset": "fast", "ceiling_K": "0.95", "csrf_token": officer.headers["X-CSRF-Token"]},
        follow_redirects=False)
    assert saved.status_code == 303
    again = officer.get(saved.headers["location"], cookies={"lang": "en"})
    assert "Fast finance" in again.text and 'name="ceiling_K"' in again.text and 'value="0.95"' in again.text
    api = analyst.get(f"/api/v1/aiwork/tables/{table.id}/scenario?preset=slow").json()
    assert api["synthetic"] is True and api["assumptions"]["scenario"] == "slow" and len(api["totals"]) == 11


def test_occupation_page_shows_class_tasks_and_pathways(sign_in):
    page = sign_in("analyst").get("/aiwork/occupations/4110", cookies={"lang": "en"})
    assert page.status_code == 200 and 'id="pathways"' in page.text and "data-target=" in page.text
    assert sign_in("analyst").get("/aiwork/occupations/9999").status_code == 404
    found = sign_in("analyst").get("/aiwork/occupations?q=бухгалтер", cookies={"lang": "ru"})
    assert found.status_code == 200


def test_a_plan_is_drafted_saved_and_shown(session, sign_in):
    from qorgau.aiwork import service
    from qorgau.core.models import User

    officer_user = session.execute(select(User).where(User.username == "officer")).scalar_one()
    enterprise = service.enterprises_for_plans(session=session, actor=officer_user)[0]
    officer = sign_in("officer")
    draft = officer.get(f"/aiwork/plans/new?enterprise_id={enterprise.id}&codes=4311", cookies={"lang": "en"})
    assert draft.status_code == 200 and 'id="plan-form"' in draft.text
    target = re.search(r'name="target_4311" value="(\d{4})" checked', draft.text).group(1)
    before = _count(session, Plan)
    form = {"title": "Bookkeepers to analysts", "enterprise_id": str(enterprise.id), "codes": "4311",
            "target_4311": target, "people_4311": "12", "training_4311": "Data analysis course",
            "start_4311": "2026-09-01", "end_4311": "2027-03-01", "csrf_token": officer.headers["X-CSRF-Token"]}
    bad = officer.post("/aiwork/plans/new", data={**form, "end_4311": "2026-01-01"}, cookies={"lang": "en"})
    assert bad.status_code == 422 and "ends before it starts" in bad.text and _count(session, Plan) == before
    saved = officer.post("/aiwork/plans/new", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:500]
    page = officer.get(saved.headers["location"], cookies={"lang": "en"})
    assert page.status_code == 200 and "Bookkeepers to analysts" in page.text
    assert 'data-figure="people">12<' in page.text and f'data-item="4311-{target}"' in page.text
    plan = session.get(Plan, int(saved.headers["location"].rsplit("/", 1)[1]))
    assert plan.enterprise_id == enterprise.id and plan.items[0].similarity is not None
    assert plan.items[0].skill_gaps == [g.skill for g in reskilling.skill_gaps("4311", target)]
    listing = officer.get("/api/v1/aiwork/plans").json()
    assert any(p["title"] == "Bookkeepers to analysts" and p["items"][0]["people"] == 12 for p in listing)


def test_roles_without_aiwork_file_cannot_upload_or_plan(session, sign_in):
    before = _count(session, EmploymentTable)
    for username in ("analyst", "state", "inspector"):
        client = sign_in(username)
        assert client.get("/aiwork/upload").status_code == 403
        assert _upload(client, GOOD_CSV).status_code == 403
        assert client.get("/aiwork/plans/new").status_code == 403
    assert _count(session, EmploymentTable) == before
    employer = sign_in("employer")  # bound to one enterprise: may upload its workforce, not a national table
    assert _upload(employer, GOOD_CSV).status_code == 422
    assert _count(session, EmploymentTable) == before
    from qorgau.core.models import User

    own = session.execute(select(User.scope_enterprise_id).where(User.username == "employer")).scalar_one()
    stored = _upload(employer, GOOD_CSV, enterprise_id=str(own))
    assert stored.status_code == 303
    table_url = stored.headers["location"]
    assert employer.get(table_url).status_code == 200
    assert sign_in("inspector").get(table_url).status_code == 200  # the same enterprise
    assert sign_in("analyst").get(table_url).status_code == 200  # national scope


def test_exposure_for_occupations_for_the_ai_register(session):
    from qorgau.aiwork import reference, service

    found = service.exposure_for_occupations(session=session, isco_codes=["2411", "0110", "24", "9999"])
    assert found["2411"]["gradient"] == "1" or found["2411"]["gradient"] in ("2", "3", "4")
    assert found["2411"]["mean_score"] == pytest.approx(reference.ilo_scores().loc["2411", "mean_2025"])
    assert found["0110"]["gradient"] == "unscored" and found["0110"]["mean_score"] is None
    assert found["24"]["gradient"] is None and found["24"]["known"] and found["24"]["mean_score"] > 0
    assert found["9999"]["known"] is False and found["9999"]["gradient"] is None


def test_every_page_renders_in_kazakh_russian_and_english(session, sign_in):
    table = _demo_table(session)
    plan = session.execute(select(Plan).order_by(Plan.id)).scalars().first()
    officer = sign_in("officer")
    pages = ["/", "/aiwork/", "/aiwork/tables", f"/aiwork/tables/{table.id}", f"/aiwork/tables/{table.id}/scenario",
             "/aiwork/occupations?q=2411", "/aiwork/occupations/2411", "/aiwork/upload", "/aiwork/plans",
             f"/aiwork/plans/new?codes=4110&table={table.id}", f"/aiwork/plans/{plan.id}"]
    for lang in ("kk", "ru", "en"):
        for url in pages:
            response = officer.get(url, cookies={"lang": lang})
            assert response.status_code == 200, (url, lang, response.text[:300])
    assert "Синтетические данные" in officer.get(f"/aiwork/plans/{plan.id}", cookies={"lang": "ru"}).text
    export = officer.get(f"/aiwork/tables/{table.id}/export.xlsx?by=region")
    assert export.status_code == 200 and export.content[:2] == b"PK"
