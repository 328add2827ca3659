"""Every export (CSV and XLSX) is safe to open in a spreadsheet: no cell starts a formula (OWASP's CSV
injection rule), even when a user typed one into a description."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from qorgau.core.tabular import FORMULA_PREFIXES

INJECTED = "=HYPERLINK(\"http://evil.example\",\"click\")"
INJECTED_ACTION = "@SUM(1+1)*cmd|' /C calc'!A0"


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cells(response) -> list:
    assert response.status_code == 200, (response.url, response.status_code, response.text[:300])
    if "spreadsheetml" in response.headers["content-type"]:
        book = load_workbook(io.BytesIO(response.content))
        cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
        assert all(cell.data_type != "f" for cell in cells), "a formula in the workbook"
        return [cell.value for cell in cells if isinstance(cell.value, str)]
    return [cell for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for cell in row
            if not _number(cell)]


def _assert_safe(response) -> list:
    texts = _cells(response)
    dangerous = [t for t in texts if t.startswith(FORMULA_PREFIXES)]
    assert dangerous == [], (response.url, dangerous[:5])
    return texts


@pytest.fixture
def planted(sign_in, session):
    """A violation whose description and action are formulas, recorded through the API."""
    from qorgau.registry.models import Site, Zone

    zone = session.execute(select(Zone.id).join(Site).where(Site.enterprise_id == 1).limit(1)).scalar()
    made = sign_in("inspector").post("/api/v1/deviations/violations", json={
        "enterprise_id": 1, "zone_id": zone, "category": "ppe", "severity": "minor", "description": INJECTED,
        "actions": [{"kind": "corrective", "description": INJECTED_ACTION, "responsible": "=1+1"}]})
    assert made.status_code == 201, made.text
    return made.json()


EXPORTS = [
    # The planted violation's own slice: the whole list is over the inline limit and becomes a job.
    "/deviations/violations?fmt={fmt}&category=ppe&severity=minor", "/deviations/actions?fmt={fmt}", "/deviations/stats?fmt={fmt}",
    "/speaks/stats?fmt={fmt}", "/airegister/?fmt={fmt}", "/incidents/trends?export={fmt}&table=year",
    "/incidents/trends?export={fmt}&table=region", "/incidents/enterprises/1?export={fmt}",
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("url", EXPORTS)
def test_each_export_has_no_live_formula(sign_in, planted, url, fmt):
    texts = _assert_safe(sign_in("admin").get(url.format(fmt=fmt)))
    if url.startswith("/deviations/violations"):
        assert "'" + INJECTED in texts  # kept, readable, inert
    if url.startswith("/deviations/actions"):
        assert "'" + INJECTED_ACTION in texts and "'=1+1" in texts


def test_the_ai_exposure_export_has_no_live_formula(sign_in, session):
    from qorgau.aiwork.models import EmploymentTable

    table_id = session.execute(select(EmploymentTable.id).limit(1)).scalar()
    if table_id is None:
        pytest.skip("the demo has no employment table")
    _assert_safe(sign_in("admin").get(f"/aiwork/tables/{table_id}/export.xlsx"))
