"""The point mapping typed on the connector page is read by the platform's one reader and number parser: rows
keep the numbers of the lines as typed, a quoted decimal comma reads, a bad number names its row and column."""

from __future__ import annotations

import pytest

from qorgau.connectors.service import parse_mapping
from qorgau.core.errors import ValidationFailed


def test_lines_without_a_header_keep_their_numbers_and_read_decimal_commas():
    rows = parse_mapping('hr:0,co.1,value,ppm,"0,001",-5\n\nhr:1,flag.1,flag,,,,,,,,3\n')
    assert [r["_row"] for r in rows] == [1, 3]
    assert rows[0]["scale"] == pytest.approx(0.001) and rows[0]["offset"] == -5
    assert rows[1]["bit"] == 3 and "unit" not in rows[1]


def test_a_typed_header_line_is_row_one():
    rows = parse_mapping("source,sensor,kind,unit\nhr:0,co.1,value,ppm")
    assert rows == [{"_row": 2, "source": "hr:0", "sensor": "co.1", "kind": "value", "unit": "ppm"}]


@pytest.mark.parametrize(("text", "params"), [
    ("hr:0,co.1,value,ppm,abc", {"row": 1, "column": "scale"}),
    ("hr:0,co.1,value,ppm\nhr:1,co.2,value,ppm,,,,,,,-1", {"row": 2, "column": "bit"}),
    ("hr:0,co.1,value,ppm,1,0,u16,be,be,f,1,extra", {"row": 1}),
])
def test_bad_cells_name_their_row(text, params):
    with pytest.raises(ValidationFailed) as caught:
        parse_mapping(text)
    assert caught.value.params == params and caught.value.field == "mapping"
