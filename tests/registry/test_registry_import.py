"""Import of enterprises from CSV and XLSX: row/column errors, all or nothing."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from qorgau.registry.identifiers import complete_with_check_digit

HEADER = ["bin", "name_ru", "name_kk", "region_kato", "sector_code", "headcount", "has_union"]


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _counts(session):
    from qorgau.core.models import AuditEntry
    from qorgau.registry.models import Enterprise

    return (session.execute(select(func.count()).select_from(Enterprise)).scalar_one(),
            session.execute(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.object_type == "registry_enterprise")).scalar_one())


def test_malformed_xlsx_reports_rows_and_columns_and_writes_nothing(sign_in, session):
    good = complete_with_check_digit("10034000001")
    rows = [
        [good, "ТОО «Новая»", "«Жаңа» ЖШС", "350000000", "C", 120, "yes"],
        ["100340000019", "ТОО «Плохой БИН»", "", "350000000", "C", 10, "no"],  # wrong check digit
        [complete_with_check_digit("10034000002"), "ТОО «Регион»", "", "999999999", "Z", "много", "может"],
        [good, "ТОО «Дубль»", "", "350000000", "C", 5, "no"],
    ]
    before = _counts(session)
    client = sign_in("admin")
    response = client.post("/api/v1/registry/enterprises/import",
                           files={"file": ("enterprises.xlsx", _xlsx(rows),
                                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
    assert response.status_code == 422
    problems = {(p["row"], p["column"]) for p in response.json()["error"]["problems"]}
    assert problems == {(3, "bin"), (4, "region_kato"), (4, "sector_code"), (4, "headcount"), (4, "has_union"),
                        (5, "bin")}
    session.expire_all()
    assert _counts(session) == before


def test_valid_csv_imports_then_updates_by_bin(sign_in, session):
    first = complete_with_check_digit("11054000003")
    second = complete_with_check_digit("11054000004")
    csv_text = ("bin;name_ru;region_kato;sector_code;headcount;has_union\n"
                f"{first};ТОО «Ак Жол Строй»;710000000;F;80;да\n{second};ТОО «Береке Маркет»;750000000;G;9;нет\n")
    client = sign_in("admin")
    response = client.post("/api/v1/registry/enterprises/import",
                           files={"file": ("e.csv", csv_text.encode(), "text/csv")})
    assert response.json() == {"created": 2, "updated": 0, "errors": []}
    again = client.post("/api/v1/registry/enterprises/import",
                        files={"file": ("e.csv", csv_text.replace(";80;", ";95;").encode(), "text/csv")})
    assert again.json() == {"created": 0, "updated": 2, "errors": []}
    found = client.get(f"/api/v1/registry/enterprises?q={first}").json()["items"][0]
    assert found["headcount"] == 95 and found["has_union"] is True


def test_import_page_lists_problems(sign_in):
    client = sign_in("admin")
    page = client.post("/registry/import", files={"file": ("bad.csv", b"bin,name_ru\n123,X\n", "text/csv")},
                       cookies={"lang": "ru"})
    assert page.status_code == 422
    assert "region_kato" in page.text and "ничего не импортировано" in page.text


def test_only_administrators_import(sign_in):
    client = sign_in("employer")
    response = client.post("/api/v1/registry/enterprises/import", files={"file": ("e.csv", b"bin\n", "text/csv")})
    assert response.status_code == 403


def test_create_enterprise_checks_bin(sign_in):
    client = sign_in("admin")
    body = {"bin": "100340000019", "name_ru": "ТОО «Тест»", "region_kato": "350000000", "sector_code": "C"}
    bad = client.post("/api/v1/registry/enterprises", json=body)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "bin"
    body["bin"] = complete_with_check_digit("10034000005")
    created = client.post("/api/v1/registry/enterprises", json=body)
    assert created.status_code == 201
    dup = client.post("/api/v1/registry/enterprises", json=body)
    assert dup.status_code == 409


def test_import_page_previews_then_imports_all_rows_with_an_audit_event(sign_in, session):
    from qorgau.core.models import AuditEntry
    from qorgau.registry.models import Enterprise

    bin_value = complete_with_check_digit("11054000017")
    csv_text = f"bin,name_ru,region_kato,sector_code,headcount,has_union\n{bin_value},ТОО «Тест»,710000000,F,12,да\n"
    client = sign_in("admin")
    before = session.execute(select(func.count()).select_from(Enterprise)).scalar_one()
    page = client.post("/registry/import", files={"file": ("e.csv", csv_text.encode("cp1251", "replace"),
                                                           "text/csv")}, cookies={"lang": "en"})
    assert page.status_code == 200 and "Preview: nothing is imported yet" in page.text
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Enterprise)).scalar_one() == before
    token = page.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    done = client.post("/registry/import/commit", data={"token": token, "filename": "e.csv", "csrf_token": csrf},
                       cookies={"lang": "en"})
    assert done.status_code == 200 and "1 created, 0 updated" in done.text
    session.expire_all()
    created = session.execute(select(Enterprise).where(Enterprise.bin == bin_value)).scalar_one()
    assert created.has_union is True and created.name_ru == "ТОО «Тест»"  # read back from Windows-1251
    event = session.execute(select(AuditEntry).where(AuditEntry.object_type == "registry.enterprises")).scalar_one()
    assert event.action == "import" and event.after["counts"] == {"created": 1, "updated": 0}


def test_russian_and_kazakh_column_names_and_problems_named_by_the_files_column(sign_in):
    first = complete_with_check_digit("11054000007")
    client = sign_in("admin")
    russian = ("БИН;Наименование;КАТО;ОКЭД;Численность работников;Профсоюз\n"
               f"{first};ТОО «Шахтёр»;350000000;B;1 200;да\n").encode("cp1251")
    response = client.post("/api/v1/registry/enterprises/import", files={"file": ("e.csv", russian, "text/csv")})
    assert response.json() == {"created": 1, "updated": 0, "errors": []}
    found = client.get(f"/api/v1/registry/enterprises?q={first}").json()["items"][0]
    assert found["headcount"] == 1200 and found["has_union"] is True and found["name_ru"] == "ТОО «Шахтёр»"
    kazakh = ("бсн,атауы,әакж,эқжж,кәсіподақ\n"
              f"{first},«Кеншi» ЖШС,350000000,Z,иә\n").encode()
    response = client.post("/api/v1/registry/enterprises/import", files={"file": ("e.csv", kazakh, "text/csv")})
    assert response.status_code == 422
    assert {(p["row"], p["column"]) for p in response.json()["error"]["problems"]} == {(2, "эқжж")}
