"""Real public files through the file commands, each checked against a separate pandas computation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from qorgau.core.imports import read_table

PUBLIC = Path(__file__).parents[1] / "data" / "public"
UCI = PUBLIC / "uci_air_quality_2004-03-10_to_24.csv"
OEWS = PUBLIC / "bls_oews_national_may2021_soc47.csv"
runner = CliRunner()


def _uci_long(tmp_path: Path) -> Path:
    """The UCI wide table as the long logger layout (sensor_id, ts, value, unit), markers kept as published."""
    wide = pd.read_csv(UCI, dtype=str)
    ts = pd.to_datetime(wide["Date"] + " " + wide["Time"]).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = [pd.DataFrame({"sensor_id": f"uci.{column}", "ts": ts, "value": wide[column], "unit": unit})
             for column, unit in (("CO(GT)", "mg/m3"), ("NO2(GT)", "ug/m3"), ("NOx(GT)", "ppb"))]
    path = tmp_path / "uci_long.csv"
    pd.concat(parts).to_csv(path, index=False)
    return path


def _twa_8h(values: np.ndarray, min_share: float) -> float | None:
    """Best 8-hour TWA of hourly readings: each valid reading stands for its hour (the last for none); windows
    start from two hours before the first reading; a window counts when at least min_share of it is measured."""
    hours = np.concatenate([np.full(8, np.nan), values[:-1]])
    best = None
    for start in range(len(hours) - 7):
        window = hours[start:start + 8]
        if np.sum(~np.isnan(window)) / 8 >= min_share:
            average = np.nansum(window) / 8
            best = average if best is None else max(best, average)
    return best


def test_reader_states_how_it_read_the_files():
    table = read_table(UCI.read_bytes(), UCI.name)
    assert (table.encoding, table.delimiter, len(table.rows)) == ("utf-8-sig", ",", 336)  # the copy has a BOM
    cp1251 = "регион;занятые\nАстана;1 234,5\n".encode("cp1251")
    table = read_table(cp1251, "kz.csv")
    assert (table.encoding, table.delimiter, table.header) == ("cp1251", ";", ["регион", "занятые"])
    utf16 = "region\temployed\nAstana\t12\n".encode("utf-16")
    assert read_table(utf16, "x.txt").described()["encoding"] == "utf-16"


def test_uci_air_quality_through_monitoring_exposure(tmp_path):
    from qorgau.monitoring.cli import app

    result = runner.invoke(app, ["exposure", str(_uci_long(tmp_path)), "--format", "json"])
    assert result.exit_code == 0, result.output
    out = {r["sensor_id"]: r for r in json.loads(result.stdout)}
    wide = pd.read_csv(UCI)
    for column, unit in (("CO(GT)", "mg/m3"), ("NO2(GT)", "ug/m3"), ("NOx(GT)", "ppb")):
        record = out[f"uci.{column}"]
        values = wide[column].to_numpy(dtype=float).copy()
        values[values == -200] = np.nan
        assert record["unit"] == unit and record["interval_s"] == 3600
        assert record["missing_readings"] == int(np.isnan(values).sum()) > 0
        assert record["measured_share"] == pytest.approx(np.sum(~np.isnan(values[:-1])) / (len(values) - 1), rel=1e-5)
        assert record["twa_8h"] == pytest.approx(_twa_8h(values, 0.75), rel=1e-5)
        assert record["ceiling_max"] == np.nanmax(values)
    # NO2 in ug/m3 against the EU STEL of 1 ppm = 1,881.8 ug/m3: never exceeded at road level.
    no2 = out["uci.NO2(GT)"]
    assert no2["stel_limit"] == pytest.approx(1000 * 46.01 / 24.45) and no2["minutes_over_stel"] == 0


def test_bls_oews_through_aiwork_exposure():
    from qorgau.aiwork import reference
    from qorgau.aiwork.cli import app

    result = runner.invoke(app, ["exposure", str(OEWS), "--format", "json", "--unmatched", "drop"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(OEWS, dtype=str, thousands=",")
    detailed = frame[frame["O_GROUP"] == "detailed"]
    pairs = pd.read_csv(reference.DATA / "bls_isco08_soc2010.csv", dtype=str)
    matched = detailed[detailed["OCC_CODE"].isin(set(pairs["soc2010"]))]
    expected = pd.to_numeric(matched["TOT_EMP"].str.replace(",", "")).sum()
    assert json.loads(result.stdout)[0]["employed"] == pytest.approx(expected, rel=1e-12)


def _oews_independent() -> tuple[float, float]:
    """Employment of the detailed OEWS rows the BLS crosswalk maps, and the share left out, by pandas alone."""
    from qorgau.aiwork import reference

    frame = pd.read_csv(OEWS, dtype=str, thousands=",")
    detailed = frame[frame["O_GROUP"] == "detailed"]
    numbers = pd.to_numeric(detailed["TOT_EMP"].str.replace(",", ""))
    pairs = pd.read_csv(reference.DATA / "bls_isco08_soc2010.csv", dtype=str)
    matched = detailed["OCC_CODE"].isin(set(pairs["soc2010"]))
    return float(numbers[matched].sum()), float(numbers[~matched].sum() / numbers.sum())


def test_bls_oews_through_the_employment_upload_page_and_api(session, sign_in):
    from sqlalchemy import select

    from qorgau.aiwork.models import EmploymentTable

    officer = sign_in("officer")
    meta = {"title": "US construction and extraction, May 2021", "source": "BLS OEWS national May 2021",
            "year": "2021", "csrf_token": officer.headers["X-CSRF-Token"]}

    def post(**fields):
        files = {"file": (OEWS.name, OEWS.read_bytes(), "text/csv")}
        return officer.post("/aiwork/upload", data={**meta, **fields}, files=files, follow_redirects=False,
                            cookies={"lang": "en"})

    refused = post(action="preview")
    assert refused.status_code == 422 and "47-5022" in refused.text  # SOC 2018 codes the 2010 crosswalk lacks
    expected, left_out = _oews_independent()
    page = post(action="preview", unmatched="drop")
    assert page.status_code == 200, page.text
    assert f"({left_out:.1%} of employment)" in page.text and "Subtotal rows left out: 44." in page.text
    token = page.text.split('name="token" value="')[1].split('"')[0]
    stored = officer.post("/aiwork/upload", data={**meta, "filename": OEWS.name, "token": token, "unmatched": "drop",
                                                  "action": "import"}, follow_redirects=False)
    assert stored.status_code == 303, stored.text
    session.expire_all()
    table = session.execute(select(EmploymentTable).where(EmploymentTable.title == meta["title"])).scalar_one()
    assert table.employed == pytest.approx(expected, rel=1e-12)
    from qorgau.core.models import AuditEntry

    event = session.execute(select(AuditEntry).where(AuditEntry.object_type == "aiwork.employment")
                            .order_by(AuditEntry.id.desc())).scalars().first()
    assert event.after["counts"]["unmatched_employment_share"] == pytest.approx(left_out)
    assert event.after["options"]["unmatched"] == "drop"

    api = officer.post("/api/v1/aiwork/tables", data={"title": "API copy", "source": "BLS OEWS", "unmatched": "drop"},
                       files={"file": (OEWS.name, OEWS.read_bytes(), "text/csv")})
    assert api.status_code == 201, api.text
    assert api.json()["employed"] == pytest.approx(expected, rel=1e-12)


CORMACK = PUBLIC / "cormack2000_industrial_deaths_three_lists.csv"


def test_published_industrial_deaths_through_capture_recapture():
    """The three-list table through `incidents capture-recapture`, against a Poisson GLM fitted here with
    statsmodels' formula interface and the figures printed in the paper (Table 3b: with the list 2-3 interaction,
    deviance 1.2 on 2 df)."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    from qorgau.incidents.cli import app

    result = runner.invoke(app, ["capture-recapture", str(CORMACK)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    frame = pd.read_csv(CORMACK)
    fits = {}
    for formula in ("list1 + list2 + list3", "list1 + list2 + list3 + list2:list3",
                    "list1 + list2 + list3 + list1:list2 + list2:list3",
                    "list1 + list2 + list3 + list1:list3 + list2:list3",
                    "list1 + list2 + list3 + list1:list2 + list1:list3"):
        glm = smf.glm(f"count ~ {formula}", frame, family=sm.families.Poisson()).fit()
        fits[formula] = (glm.aic, frame["count"].sum() + np.exp(glm.params["Intercept"]), glm.deviance, glm.df_resid)
    chosen = min(fits, key=lambda f: fits[f][0])  # lowest AIC among the models with a degree of freedom left
    assert out["estimate"]["df"] == fits[chosen][3] >= 1
    assert out["estimate"]["estimate"] == pytest.approx(fits[chosen][1], rel=1e-6)
    assert out["estimate"]["deviance"] == pytest.approx(fits[chosen][2], abs=1e-6)
    assert round(fits["list1 + list2 + list3 + list2:list3"][2], 1) == 1.2  # the paper's figure
    assert out["estimate"]["observed"] == 201
