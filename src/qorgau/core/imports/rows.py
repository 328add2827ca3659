"""File formats as Pydantic row models: columns recognised by their kk/ru/en names, cells parsed the one way.

A `FileFormat` names a row model and, for each field, the header names it is recognised by. `read` maps the
file's columns to fields (or takes the user's mapping), validates every row with the model, and returns the
records and every problem as (row, column, message id, params). Cell types (`Count`, `Number`, `Year`,
`DateCell`, `YesNo`, `Text`) parse with the core cell parsers; a blank cell or missing marker is None, never 0,
and a required field that is None is a problem on its row and column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from qorgau.core.i18n_markers import N_
from qorgau.core.imports import cells
from qorgau.core.imports.problems import Problem
from qorgau.core.imports.reader import Table, normalise_header


def _cell_error(error: cells.CellError) -> PydanticCustomError:
    return PydanticCustomError("cell", "{reason}", {"reason": str(error), "message": error.message,
                                                    "params": error.params})


def _missing_or(parse):
    def validate(value: Any) -> Any:
        if value is None or (isinstance(value, str) and cells.is_missing(value)):
            return None
        if not isinstance(value, str):
            return value
        try:
            return parse(value)
        except cells.CellError as error:
            raise _cell_error(error)
    return validate


def _year(text: str) -> int:
    value = int(cells.parse_number(text, integer=True))
    if not 1900 <= value <= 2100:
        raise cells.CellError(N_("%(value)s is not a plausible year"), value=text)
    return value


Count = Annotated[int | None, BeforeValidator(_missing_or(lambda t: cells.parse_number(t, integer=True)))]
Number = Annotated[float | None, BeforeValidator(_missing_or(lambda t: cells.parse_number(t, minimum=None)))]
Year = Annotated[int | None, BeforeValidator(_missing_or(_year))]
DateCell = Annotated[date | None, BeforeValidator(_missing_or(cells.parse_date))]
YesNo = Annotated[bool | None, BeforeValidator(_missing_or(cells.parse_yes_no))]
Text = Annotated[str | None, BeforeValidator(lambda v: None if v is None or not str(v).strip() else str(v).strip())]


class RowModel(BaseModel):
    """Base of a file format's row: unknown columns are ignored; fields are None when the cell is blank."""

    model_config = ConfigDict(extra="ignore", frozen=True)


@dataclass
class Parsed:
    """What a file gave: the records (row number, model), every problem, and the column mapping used.

    `rejected` holds the rows with a problem, their bad cells read as blank, so that a caller's own checks can
    still name every other problem of those rows; `every()` gives both in file order.
    """

    records: list[tuple[int, RowModel]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    rejected: list[tuple[int, RowModel]] = field(default_factory=list)

    def every(self) -> list[tuple[int, RowModel]]:
        return sorted(self.records + self.rejected, key=lambda pair: pair[0])


@dataclass(frozen=True)
class FileFormat:
    """A file format: its row model, and for each field the header names it is recognised by (kk/ru/en)."""

    model: type[RowModel]
    columns: Mapping[str, Sequence[str]]
    required: frozenset[str] = frozenset()

    def mapping(self, header: Sequence[str]) -> dict[str, str]:
        """field -> column of the file: the field's own name or one of its names, first found."""
        names = {normalise_header(h): h for h in header if h}
        out: dict[str, str] = {}
        for name, aliases in self.columns.items():
            found = next((names[n] for n in (name, *map(normalise_header, aliases)) if n in names), None)
            if found is not None and found not in out.values():
                out[name] = found
        return out

    def read(self, table: Table, mapping: Mapping[str, str] | None = None) -> Parsed:
        """Every row validated; problems for missing required columns (row 1) and for every bad cell."""
        used = dict(mapping) if mapping is not None else self.mapping(table.header)
        out = Parsed(mapping=used)
        out.problems += [Problem(1, name, N_("The required column is missing (one of: %(names)s)."),
                                 {"names": ", ".join((name, *self.columns.get(name, ())))})
                         for name in sorted(self.required) if name not in used]
        if out.problems:
            return out
        for number, row in table.numbered():
            values = {name: row.get(column, "") for name, column in used.items()}
            blank = [name for name in sorted(self.required) if cells.is_missing(values.get(name))]
            out.problems += [Problem(number, used[name], N_("The cell is blank; write the value.")) for name in blank]
            try:
                record = self.model.model_validate(values)
            except ValidationError as error:
                out.problems += [_problem(number, used, e) for e in error.errors()]
                bad = {str(e["loc"][0]) for e in error.errors() if e.get("loc")}
                out.rejected.append((number, self.model.model_validate(
                    {name: value for name, value in values.items() if name not in bad})))
                continue
            (out.rejected if blank else out.records).append((number, record))
        return out


def _problem(number: int, mapping: Mapping[str, str], error: Mapping[str, Any]) -> Problem:
    name = str(error["loc"][0]) if error.get("loc") else ""
    context = error.get("ctx") or {}
    message_id, params = context.get("message"), context.get("params")
    if message_id:
        return Problem(number, mapping.get(name, name), message_id, dict(params or {}))
    return Problem(number, mapping.get(name, name), N_("%(value)s is not accepted here: %(reason)s"),
                   {"value": repr(error.get("input")), "reason": error.get("msg", "")})
