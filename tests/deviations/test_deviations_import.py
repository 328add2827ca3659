"""Importing inspectors' spreadsheets: mapping, preview, row-level errors, all-or-nothing, no duplicates."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

HEADER = ["БИН", "Дата выявления", "Цех", "Категория", "Тяжесть", "Описание нарушения", "Мероприятие", "Срок",
          "Дата устранения"]


def _rows(session, n: int) -> list[list[str]]:
    from qorgau.registry.models import Enterprise, Site

    smelter = session.get(Enterprise, 1)
    site = session.execute(select(Site).where(Site.enterprise_id == 1).limit(1)).scalar()
    categories = ["ppe", "Электробезопасность", "Falls and work at height", "chemical_gas_dust"]
    rows = []
    for i in range(n):
        found = date(2024, 1, 1) + timedelta(days=i % 700)
        closed = (found + timedelta(days=5)).strftime("%d.%m.%Y") if i % 3 else ""
        rows.append([smelter.bin, found.strftime("%d.%m.%Y"), site.name if i % 2 else "", categories[i % 4],
                     ["грубое", "значительное", "minor"][i % 3], f"Нарушение №{i}: нет ограждения у позиции {i % 97}",
                     "Устранить" if i % 5 else "", "", closed])
    return rows


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _count(session) -> int:
    from qorgau.deviations.models import Violation

    session.expire_all()
    return session.execute(select(func.count()).select_from(Violation).where(Violation.source == "import")).scalar_one()


def _inspector(session):
    from qorgau.core.models import User

    return session.execute(select(User).where(User.username == "inspector")).scalar()


def test_ten_thousand_rows_all_or_nothing_and_no_duplicates(session):
    from qorgau.core.imports import FileProblems
    from qorgau.deviations import importer

    inspector = _inspector(session)
    rows = _rows(session, 10_000)
    bad = [*rows[6_000]]
    bad[1] = "31.02.2024"
    with_bad = rows[:6_000] + [bad] + rows[6_000:]
    with pytest.raises(FileProblems) as failed:
        importer.import_rows(session=session, actor=inspector, data=_xlsx(with_bad), filename="backlog.xlsx")
    session.rollback()
    assert [(p.row, p.column) for p in failed.value.problems] == [(6_002, "дата выявления")]
    assert _count(session) == 0

    data = _csv(rows)
    result = importer.import_rows(session=session, actor=inspector, data=data, filename="backlog.csv")
    session.commit()
    assert result["created"] == 10_000 and result["already_imported"] == 0
    assert _count(session) == 10_000
    again = importer.import_rows(session=session, actor=inspector, data=data, filename="backlog.csv")
    session.commit()
    assert again["created"] == 0 and again["already_imported"] == 10_000
    assert _count(session) == 10_000
    # Same site, same category within a year: flagged as repeats.
    assert result["repeats"] > 0


def _token(html: str) -> str:
    return re.search(r'name="token" value="([0-9a-f]{64})"', html).group(1)


def test_upload_map_preview_and_commit_in_the_browser_forms(sign_in, session):
    from qorgau.core.models import AuditEntry

    inspector = sign_in("inspector")
    inspector.cookies.set("lang", "en")
    rows = _rows(session, 12)
    header = ["Enterprise", "When", "Цех", "Категория", "Тяжесть", "Что нарушено", "Мероприятие", "Срок",
              "Дата устранения"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    rows[4][4] = "очень плохо"
    writer.writerow(rows[4])
    preview = inspector.post("/deviations/import", files={"file": ("book.csv", buffer.getvalue().encode(), "text/csv")})
    assert preview.status_code == 200
    assert "Choose the column for this required field." in preview.text  # "When" and "Что нарушено" unknown
    token = _token(preview.text)
    mapping = {"map_enterprise": "enterprise", "map_found_on": "when", "map_site": "цех", "map_category": "категория",
               "map_severity": "тяжесть", "map_description": "что нарушено", "map_action": "мероприятие",
               "map_closed_on": "дата устранения", "token": token, "filename": "book.csv"}
    preview = inspector.post("/deviations/import/preview", data=mapping)
    assert "Unknown severity" in preview.text and "<td>14</td>" in preview.text
    assert "/deviations/import/commit" not in preview.text  # no import button while a row is wrong
    inspector.cookies.set("lang", "ru")
    failed = inspector.post("/deviations/import/commit", data=mapping)
    assert failed.status_code == 422 and _count(session) == 0
    assert "Ничего не импортировано" in failed.text
    assert "Неизвестная степень" in failed.text or "тяжест" in failed.text.lower()
    other = sign_in("employer").post("/deviations/import/commit", data=mapping)
    assert other.status_code in (403, 404)

    del rows[4]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    inspector.cookies.set("lang", "en")
    preview = inspector.post("/deviations/import", files={"file": ("book.csv", buffer.getvalue().encode())})
    mapping["token"] = _token(preview.text)
    done = inspector.post("/deviations/import/commit", data=mapping)
    assert done.status_code == 200, done.text[-800:]
    assert _count(session) == len(rows) == 11
    events = session.execute(select(AuditEntry).where(AuditEntry.action == "import",
                                                      AuditEntry.object_type == "deviations.violations")).scalars()
    assert [e.after["counts"]["created"] for e in events] == [11]
    again = inspector.post("/deviations/import/commit", data=mapping)  # the staged file was used up
    assert again.status_code == 422 and "already imported" in again.text and _count(session) == 11


def test_cli_import_lists_problems_and_writes_nothing(session, demo_url, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from qorgau.cli import app
    from qorgau.core.config import get_settings

    rows = _rows(session, 20)
    rows[7][0] = "123456789012"
    path = tmp_path / "book.csv"
    path.write_bytes(_csv(rows))
    monkeypatch.setenv("QORGAU_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["deviations", "import", str(path), "--as", "inspector"])
        assert result.exit_code == 1 and "row 9, column бин" in result.output
        assert "Unknown enterprise" in result.output
        in_kazakh = CliRunner().invoke(app, ["deviations", "import", str(path), "--as", "inspector", "--lang", "kk"])
        assert in_kazakh.exit_code == 1 and "жол 9, баған бин" in in_kazakh.output
        assert "Unknown enterprise" not in in_kazakh.output and "ештеңе импортталған жоқ" in in_kazakh.output
        assert _count(session) == 0
        del rows[7]
        path.write_bytes(_csv(rows))
        result = CliRunner().invoke(app, ["deviations", "import", str(path), "--as", "inspector"])
        assert result.exit_code == 0, result.output
        assert '"created": 19' in result.output
    finally:
        get_settings.cache_clear()


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
       st.sampled_from(["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"]))
def test_dates_in_the_usual_spellings_parse_back(day, pattern):
    from qorgau.core.imports.cells import parse_date

    assert parse_date(day.strftime(pattern)) == day
    assert parse_date(f"  {day.isoformat()}T00:00:00 ") == day


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=20))
def test_text_without_digits_is_refused_not_guessed(text):
    from qorgau.core.imports.cells import CellError, parse_date

    with pytest.raises(CellError):
        parse_date(text)


def test_columns_are_recognised_in_three_languages():
    from qorgau.deviations.importer import proposed_mapping

    mapping = proposed_mapping(["бин", "дата выявления", "категория", "тяжесть", "описание нарушения", "зона",
                                "ответственный"])
    assert mapping == {"enterprise": "бин", "found_on": "дата выявления", "category": "категория",
                       "severity": "тяжесть", "description": "описание нарушения", "zone": "зона",
                       "responsible": "ответственный"}
    assert proposed_mapping(["bin", "date", "category", "severity", "description"])["found_on"] == "date"
    assert proposed_mapping(["бсн", "анықталған күні", "санаты", "ауырлығы", "сипаттама"])["severity"] == "ауырлығы"
