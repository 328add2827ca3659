"""Importing an equipment register: columns named in kk/ru/en, every bad cell reported by row and column, nothing
half-written, the staged flow (upload -> preview -> commit), the API and the CLI."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from openpyxl import Workbook
from sqlalchemy import func, select

RU = ["БИН", "Инвентарный номер", "Вид оборудования", "Год ввода в эксплуатацию", "Срок службы, лет", "Состояние",
      "Дата экспертизы", "Экспертиза действует до", "Продлен до"]
KK = ["БСН", "Түгендеу нөмірі", "Жабдық түрі", "Пайдалануға берілген жылы", "Қызмет мерзімі", "Жай-күйі"]


def _csv(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _count(session) -> int:
    from qorgau.equipment.models import EquipmentItem

    session.expire_all()
    return session.execute(select(func.count()).select_from(EquipmentItem)).scalar_one()


def _employer(session):
    from qorgau.core.models import User
    from qorgau.registry.models import Enterprise

    user = session.execute(select(User).where(User.username == "employer")).scalar_one()
    return user, session.get(Enterprise, user.scope_enterprise_id)


def test_a_russian_file_with_bad_rows_writes_nothing_and_names_each_row_and_column(session):
    from qorgau.core.imports import FileProblems
    from qorgau.equipment import importer

    user, enterprise = _employer(session)
    rows = [[enterprise.bin, "IMP-1", "Мостовой кран", "1985", "25", "исправно", "10.01.2025", "10.01.2028",
             "10.01.2028"],
            [enterprise.bin, "IMP-2", "летающая тарелка", "1990", "", "", "", "", ""],       # unknown type
            [enterprise.bin, "IMP-3", "boiler_steam", "2999", "", "", "", "", ""],           # year in the future
            [enterprise.bin, "IMP-4", "Лифт", "", "", "сломано", "", "", ""],                 # unknown condition
            ["000000000000", "IMP-5", "Лифт", "2001", "", "", "", "", ""],                    # unknown enterprise
            [enterprise.bin, "IMP-1", "Лифт", "2001", "", "", "", "", ""],                    # number twice
            [enterprise.bin, "", "Лифт", "2001", "", "", "", "", ""]]                         # blank required cell
    before = _count(session)
    try:
        importer.import_rows(session=session, actor=user, data=_csv(RU, rows), filename="реестр.csv",
                             today=date(2026, 6, 1))
        raise AssertionError("the file has bad rows")
    except FileProblems as error:
        found = {(p.row, p.column) for p in error.problems}
    assert {(3, "вид оборудования"), (4, "год ввода в эксплуатацию"), (5, "состояние"), (6, "бин"),
            (7, "инвентарный номер"), (8, "инвентарный номер")} <= found
    assert not any(row == 2 for row, _column in found)
    assert _count(session) == before  # nothing half-written


def test_a_good_kazakh_file_registers_items_and_a_second_import_skips_them(session):
    from qorgau.equipment import importer
    from qorgau.equipment.models import EquipmentItem

    user, enterprise = _employer(session)
    rows = [[enterprise.bin, "KZ-1", "Лифт", "2000", "", "жарамды"],
            [enterprise.bin, "KZ-2", "Бу қазандығы", "", "24", "жөндеуді қажет етеді"],
            [enterprise.bin, "KZ-3", "crane_tower", "1999", "16", ""]]
    data = _csv(KK, rows)
    result = importer.import_rows(session=session, actor=user, data=data, filename="тізілім.csv")
    assert result == {"rows": 3, "created": 3, "already_registered": 0}
    items = {i.inventory_number: i for i in session.execute(select(EquipmentItem).where(
        EquipmentItem.inventory_number.in_(["KZ-1", "KZ-2", "KZ-3"]))).scalars()}
    assert (items["KZ-1"].service_life_source, items["KZ-1"].life_ends_on) == ("type", date(2025, 12, 31))
    assert items["KZ-2"].commissioned_year is None and items["KZ-2"].life_ends_on is None  # unknown, not new
    assert items["KZ-2"].condition == "needs_repair"
    again = importer.import_rows(session=session, actor=user, data=data, filename="тізілім.csv")
    assert again == {"rows": 3, "created": 0, "already_registered": 3}


def test_the_staged_flow_on_the_pages_previews_then_commits_everything(session, sign_in):
    user, enterprise = _employer(session)
    book = Workbook()
    sheet = book.active
    sheet.append(["Enterprise", "Inventory number", "Type", "Commissioned", "Service life", "Condition"])
    sheet.append([enterprise.bin, "XL-1", "Pressure vessel", 1995, 20, "good"])
    sheet.append([enterprise.bin, "XL-2", "Mine hoist", None, None, "needs repair"])
    buffer = io.BytesIO()
    book.save(buffer)
    client = sign_in("employer")
    before = _count(session)
    preview = client.post("/equipment/import", files={"file": ("register.xlsx", buffer.getvalue())})
    assert preview.status_code == 200 and "XL-1" in preview.text
    assert _count(session) == before  # the dry run writes nothing
    token = re.search(r'name="token" value="([0-9a-f]{64})"', preview.text).group(1)
    mapping = {}
    for name, options in re.findall(r'<select id="m-\w+" name="map_(\w+)">(.*?)</select>', preview.text, re.S):
        chosen = re.search(r'<option value="([^"]+)" selected', options)
        if chosen:
            mapping[f"map_{name}"] = chosen.group(1)
    assert mapping["map_inventory_number"] == "inventory number"
    done = client.post("/equipment/import/commit", data={"token": token, "filename": "register.xlsx", **mapping})
    assert done.status_code == 200, done.text[:500]
    assert _count(session) == before + 2


def test_the_api_reports_problems_by_row_and_column(session, sign_in):
    user, enterprise = _employer(session)
    client = sign_in("employer")
    bad = _csv(RU[:4], [[enterprise.bin, "API-1", "Лифт", "19x5"]])
    answer = client.post("/api/v1/equipment/imports", files={"file": ("r.csv", bad)})
    assert answer.status_code == 422
    problems = answer.json()["error"]["problems"]
    assert problems and problems[0]["row"] == 2 and problems[0]["column"] == "год ввода в эксплуатацию"
    good = _csv(RU[:4], [[enterprise.bin, "API-1", "Лифт", "1985"]])
    dry = client.post("/api/v1/equipment/imports?dry_run=true", files={"file": ("r.csv", good)})
    assert dry.status_code == 200 and dry.json()["created"] == 0
    assert client.post("/api/v1/equipment/imports", files={"file": ("r.csv", good)}).json()["created"] == 1
    assert sign_in("inspector").post("/api/v1/equipment/imports", files={"file": ("r.csv", good)}).status_code == 403


def test_the_documented_example_file_imports(session):
    from pathlib import Path

    from qorgau.equipment import importer

    user, enterprise = _employer(session)
    example = Path(__file__).resolve().parents[2] / "docs" / "formats" / "examples" / "equipment.csv"
    data = example.read_bytes().replace(b"211040625623", enterprise.bin.encode())  # the demo's first enterprise
    checked = importer.check(session=session, actor=user, data=data, filename=example.name, options={})
    assert not checked.problems, [str(p) for p in checked.problems]
    assert checked.counts["new"] >= 3


def test_the_command_imports_and_lists_overdue_plan_lines(session, demo_url, tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from qorgau.cli import app
    from qorgau.core.config import get_settings

    user, enterprise = _employer(session)
    path = tmp_path / "реестр.csv"
    path.write_bytes(_csv(RU[:4], [[enterprise.bin, "CLI-1", "Лифт", "1990"], [enterprise.bin, "CLI-2", "?", "1990"]]))
    monkeypatch.setenv("QORGAU_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    try:
        before = _count(session)
        failed = CliRunner().invoke(app, ["equipment", "import", str(path), "--as", "employer", "--lang", "en"])
        assert failed.exit_code == 1 and "row 3" in failed.output and "Unknown equipment type" in failed.output
        assert _count(session) == before
        path.write_bytes(_csv(RU[:4], [[enterprise.bin, "CLI-1", "Лифт", "1990"]]))
        done = CliRunner().invoke(app, ["equipment", "import", str(path), "--as", "employer"])
        assert done.exit_code == 0 and json.loads(done.output)["created"] == 1
        overdue = CliRunner().invoke(app, ["equipment", "overdue", "--as", "admin"])
        assert overdue.exit_code == 0
        assert all(json.loads(line)["days_overdue"] > 0 for line in overdue.output.splitlines())
    finally:
        get_settings.cache_clear()
