"""Input limits checked before parsing or decoding, and exports a spreadsheet cannot run as formulas."""

from __future__ import annotations

import csv
import io
import random
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.core import limits, media, tabular
from qorgau.core.drills import long_recording_mkv, pixel_bomb_png, zip_bomb_xlsx
from qorgau.core.errors import ValidationFailed
from qorgau.core.limits import LimitExceeded, TableLimits


def _refusal(data: bytes, filename: str) -> str:
    """The reason an upload is refused: a 422 naming the file's problem, nothing imported."""
    with pytest.raises(tabular.ImportFailed) as refused:
        tabular.read_table(data, filename)
    assert refused.value.status == 422
    return " ".join(problem.reason for problem in refused.value.problems)


def test_a_zip_bomb_workbook_is_refused_from_its_directory_before_parsing():
    bomb = zip_bomb_xlsx(inflated_mb=300)
    assert len(bomb) < 2_000_000  # small on the wire, 300 MB of sheet XML inside
    started = time.process_time()
    assert "zip bomb" in _refusal(bomb, "bomb.xlsx")
    # Refused from the central directory: nowhere near the CPU that inflating 300 MB would take.
    assert time.process_time() - started < 2.0


def test_archive_limits_on_entries_and_total_size():
    many = io.BytesIO()
    with zipfile_writer(many) as archive:
        for i in range(30):
            archive.writestr(f"part{i}.xml", b"<x/>")
    with pytest.raises(LimitExceeded, match="parts"):
        limits.check_zip(many.getvalue(), TableLimits(max_entries=20))
    big = io.BytesIO()
    with zipfile_writer(big) as archive:
        archive.writestr("a.xml", random.Random(1).randbytes(2 * 1024 * 1024))  # not compressible
    with pytest.raises(LimitExceeded, match="unpacks"):
        limits.check_zip(big.getvalue(), TableLimits(max_uncompressed=1024 * 1024))
    with pytest.raises(ValidationFailed):
        limits.check_zip(b"not a zip at all", TableLimits())


def zipfile_writer(buffer):
    import zipfile

    return zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)


def test_csv_rows_columns_and_cells_are_capped_while_reading(monkeypatch):
    monkeypatch.setattr(limits, "TABLE_LIMITS", TableLimits(max_rows=100, max_columns=10, max_cells=500))
    rows = "\n".join(["a,b"] + [f"{i},x" for i in range(150)]).encode()
    assert "rows" in _refusal(rows, "t.csv")
    wide = ",".join(f"c{i}" for i in range(11)).encode()
    assert "columns" in _refusal(wide, "t.csv")
    ok = "\n".join(["a,b"] + [f"{i},x" for i in range(50)]).encode()
    assert len(tabular.read_table(ok, "t.csv")[1]) == 50


def test_a_file_over_the_byte_limit_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr(limits, "TABLE_LIMITS", TableLimits(max_bytes=1000))
    assert "larger" in _refusal(b"a,b\n" + b"1,2\n" * 500, "t.csv")


def test_a_pixel_bomb_is_refused_from_its_header_and_never_reaches_the_video_decoder(monkeypatch):
    bomb = pixel_bomb_png(50_000)
    monkeypatch.setattr(media, "clean_recording", lambda data: pytest.fail("handed to the video decoder"))
    with pytest.raises(LimitExceeded, match="megapixels"):
        media.clean_attachment(bomb)
    # Just over the limit (below Pillow's own guard at twice the limit): still refused before decoding.
    with pytest.raises(LimitExceeded, match="megapixels"):
        media.clean_photo(pixel_bomb_png(7000))


def test_a_recording_with_no_declared_duration_is_capped_on_what_is_decoded():
    long_one = long_recording_mkv(seconds=600)
    with pytest.raises(LimitExceeded) as refused:
        media.clean_attachment(long_one)
    assert refused.value.params == {"n": media.MAX_SECONDS}
    short, media_type = media.clean_attachment(long_recording_mkv(seconds=3))
    assert media_type == "audio/mp4" and short


def test_damaged_media_is_a_422_never_a_crash():
    with pytest.raises(ValidationFailed):
        media.clean_attachment(b"\x00" * 5000)
    truncated = long_recording_mkv(seconds=5)[:3000] + b"\xff" * 3000
    try:
        media.clean_attachment(truncated)
    except ValidationFailed as error:
        assert error.status == 422


FORMULAS = ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_exports_neutralise_formulas_in_csv_and_xlsx():
    from openpyxl import load_workbook

    rows = [[text, 5, -3.5, None] for text in FORMULAS]
    parsed = list(csv.reader(io.StringIO(tabular.to_csv(["=h", "b", "c", "d"], rows).decode("utf-8-sig"))))
    assert parsed[0][0] == "'=h"
    for (cell, number, negative, _none), original in zip(parsed[1:], FORMULAS, strict=True):
        assert cell == "'" + original
        assert (number, negative) == ("5", "-3.5")  # numbers stay numbers
    sheet = load_workbook(io.BytesIO(tabular.to_xlsx(["h"], rows))).active
    for row, original in zip(sheet.iter_rows(min_row=2), FORMULAS, strict=True):
        # (XML stores a carriage return as a line feed)
        assert row[0].data_type == "s" and row[0].value == "'" + original.replace("\r", "\n")
        assert row[1].value == 5 and row[2].value == -3.5


@given(st.text(max_size=30))
def test_a_neutralised_text_never_starts_a_formula_and_keeps_the_text(text):
    out = tabular.neutralise(text)
    assert not out.startswith(tabular.FORMULA_PREFIXES)
    assert out in (text, "'" + text)


@given(st.text(max_size=30))
def test_any_text_a_user_typed_goes_into_an_xlsx_export(text):
    """A control character XML forbids (pasted from another program, or sent by a client) must not stop the
    whole export: it is shown as the replacement character, the rest of the text kept."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(tabular.to_xlsx(["h"], [[text, 1]]))).active
    row = next(sheet.iter_rows(min_row=2))
    expected = tabular.XML_ILLEGAL.sub("\ufffd", tabular.neutralise(text))
    assert (row[0].value or "") == expected.replace("\r\n", "\n").replace("\r", "\n") or text == ""
    assert row[1].value == 1
