"""Exports read like the page: headers in the reader's language, names beside codes, one row per record."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select


def _sheet(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_violation_and_exposure_exports_speak_russian(sign_in, session):
    from qorgau.aiwork.models import EmploymentTable

    officer = sign_in("officer")
    officer.cookies.set("lang", "ru")
    rows = _sheet(officer.get("/deviations/violations?fmt=xlsx&severity=gross").content)  # under the inline limit
    assert rows[0][:3] == ["№", "Предприятие", "Дата выявления"]
    assert not any(cell in ("open", "closed", "awaiting_verification") for row in rows[1:] for cell in row)
    assert len({row[0] for row in rows[1:]}) == len(rows) - 1  # one row per violation

    table_id = session.execute(select(EmploymentTable.id).order_by(EmploymentTable.id)).scalars().first()
    rows = _sheet(officer.get(f"/aiwork/tables/{table_id}/export.xlsx?by=region").content)
    assert rows[0][:3] == ["Регион", "Код", "Занятые"] or rows[0][:2] == ["Регион", "Код"]
    assert all(not str(row[0]).isdigit() and str(row[1]).isdigit() for row in rows[1:])  # name, then KATO code


def test_the_public_index_names_sectors(client):
    page = client.get("/index/", cookies={"lang": "kk"})
    assert page.status_code == 200
    assert "<td>C</td>" not in page.text and "<td>B</td>" not in page.text
