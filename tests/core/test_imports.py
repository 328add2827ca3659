"""The core import path: reader (encodings, delimiters), cell parsers, row models with kk/ru/en column names."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qorgau.core import i18n
from qorgau.core.imports import FileProblems, cells, read_table
from qorgau.core.imports.rows import Count, DateCell, FileFormat, Number, RowModel, Text, YesNo


class Row(RowModel):
    bin: Text = None
    employed: Count = None
    rate: Number = None
    found_on: DateCell = None
    union: YesNo = None


FORMAT = FileFormat(Row, {"bin": ("бин", "бсн"), "employed": ("занятые", "жұмыспен қамтылғандар"),
                          "rate": ("ставка",), "found_on": ("дата",), "union": ("профсоюз", "кәсіподақ")},
                    required=frozenset({"bin", "employed"}))


def test_columns_recognised_in_russian_and_kazakh_and_cells_parsed_one_way():
    text = "БИН;Жұмыспен қамтылғандар;Ставка;Дата;Кәсіподақ\n050740004819;1 234;0,5;12.03.2025;иә\n"
    table = read_table(text.encode("utf-8"), "f.csv")
    parsed = FORMAT.read(table)
    assert parsed.mapping == {"bin": "бин", "employed": "жұмыспен_қамтылғандар", "rate": "ставка",
                              "found_on": "дата", "union": "кәсіподақ"}
    ((number, row),) = parsed.records
    assert (number, row.employed, row.rate, row.found_on.isoformat(), row.union) == (2, 1234, 0.5, "2025-03-12", True)


def test_every_problem_has_row_column_and_a_translatable_message():
    text = "bin,employed,rate,found_on,union\n1,,x,2025-13-01,maybe\n2,-3,1,,\n,n/a,,,\n"
    parsed = FORMAT.read(read_table(text.encode(), "f.csv"))
    found = {(p.row, p.column): p for p in parsed.problems}
    assert set(found) == {(2, "employed"), (2, "found_on"), (2, "union"), (3, "employed"), (4, "bin"),
                          (4, "employed")}
    assert found[(2, "employed")].message == "The cell is blank; write the value."  # blank is not zero
    assert found[(3, "employed")].params == {"value": "-3", "minimum": "0"}
    bad_date = found[(2, "found_on")]
    assert bad_date.message == "%(value)s is not a date (use YYYY-MM-DD or DD.MM.YYYY)"
    with i18n.locale_context("ru"):
        assert bad_date.text(i18n.gettext) == "'2025-13-01' — не дата (используйте ГГГГ-ММ-ДД или ДД.ММ.ГГГГ)"
    assert not parsed.records and (2, "rate") not in found  # 'x' is a missing marker, not a bad number


def test_missing_required_column_is_named_on_row_one():
    parsed = FORMAT.read(read_table(b"bin\n1\n", "f.csv"))
    assert [(p.row, p.column) for p in parsed.problems] == [(1, "employed")]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="abcАБВәі 12,.", min_size=1, max_size=6), min_size=3, max_size=3),
                min_size=2, max_size=8),
       st.sampled_from([",", ";", "\t", "|"]), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1251"]))
def test_any_delimiter_and_encoding_reads_back_the_same_cells(rows, delimiter, encoding):
    header = ["колонка_a", "b", "c"]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
    if encoding == "cp1251":  # Windows-1251 has no Kazakh letters (ә, і, ...): such text cannot be saved in it
        assume(all(ch not in buffer.getvalue() for ch in "әі"))
    table = read_table(buffer.getvalue().encode(encoding), "x.csv")
    assert table.delimiter == delimiter and table.header == header
    assert table.encoding.replace("-sig", "").replace("-le", "") == encoding.replace("-sig", "")
    assert [r for r in table.rows] == [[c.strip() for c in r] for r in rows]


def test_unreadable_files_are_refused_with_a_reason():
    with pytest.raises(FileProblems):
        read_table(b"", "empty.csv")
    with pytest.raises(FileProblems):
        read_table(b"a,a\n1,2\n", "twice.csv")
    with pytest.raises(FileProblems):
        read_table(b"PK\x03\x04 not a workbook", "f.xlsx")


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10**9), st.integers(0, 99))
def test_numbers_with_either_decimal_separator(whole, cents):
    assert cells.parse_number(f"{whole},{cents:02d}") == pytest.approx(whole + cents / 100)
    assert cells.parse_number(f"{whole:,}.{cents:02d}".replace(",", " ")) == pytest.approx(whole + cents / 100)


def test_yes_no_words_in_three_languages():
    assert [cells.parse_yes_no(w) for w in ("иә", "Да", "yes", "+", "x", "1")] == [True] * 6
    assert [cells.parse_yes_no(w) for w in ("жоқ", "нет", "No", "-", "0")] == [False] * 5
    with pytest.raises(cells.CellError):
        cells.parse_yes_no("maybe")


def test_staged_files_are_checked_committed_once_and_audited(session, tmp_path):
    import os

    from sqlalchemy import select

    from qorgau.core.errors import NotFound, ValidationFailed
    from qorgau.core.imports import flow
    from qorgau.core.models import AuditEntry, User

    admin = session.execute(select(User).where(User.role == "admin")).scalars().first()
    written: list[int] = []

    def check(*, session, actor, data, filename, options):
        parsed = FORMAT.read(read_table(data, filename))
        return flow.Checked(counts={"rows": len(parsed.records)}, problems=parsed.problems)

    def write(*, session, actor, data, filename, options):
        written.append(1)
        return {"rows": 1}

    importer = flow.Importer("core.test", "registry.admin", check, write)
    bad = flow.stage(actor=admin, importer=importer, data=b"bin,employed\n1,\n", filename="bad.csv",
                     data_dir=tmp_path)
    assert flow.preview(session=session, actor=admin, importer=importer, token=bad, data_dir=tmp_path).problems
    with pytest.raises(ValidationFailed):
        flow.commit(session=session, actor=admin, importer=importer, token=bad, data_dir=tmp_path)
    assert written == []  # any problem and nothing is written
    good = flow.stage(actor=admin, importer=importer, data=b"bin,employed\n1,5\n", filename="good.csv",
                      data_dir=tmp_path)
    assert flow.commit(session=session, actor=admin, importer=importer, token=good, data_dir=tmp_path) == {"rows": 1}
    session.commit()  # the audit trail is written with the unit of work
    event = session.execute(select(AuditEntry).where(AuditEntry.object_type == "core.test")).scalar_one()
    assert event.after["sha256"] == good and event.after["filename"] == "good.csv"
    with pytest.raises(ValidationFailed, match="already imported"):
        flow.commit(session=session, actor=admin, importer=importer, token=good, data_dir=tmp_path)  # used up
    with pytest.raises(NotFound):
        flow.preview(session=session, actor=admin, importer=importer, token="../" + "0" * 61, data_dir=tmp_path)
    old = tmp_path / "imports" / str(admin.id) / f"{bad}.bin"
    os.utime(old, (0, 0))
    flow.stage(actor=admin, importer=importer, data=b"bin,employed\n2,5\n", filename="new.csv", data_dir=tmp_path)
    assert not old.exists()  # staged files not imported within a day are forgotten
    session.rollback()


@pytest.mark.parametrize("ends", ["\r", "\r\n", "\n"])
def test_old_mac_windows_and_unix_line_ends_read_alike(ends):
    from qorgau.core.imports import read_table

    table = read_table(ends.join(["isco08,employed", "2411,5", "7212,12"]).encode() + ends.encode(), "t.csv")
    assert table.header == ["isco08", "employed"] and table.rows == [["2411", "5"], ["7212", "12"]]
