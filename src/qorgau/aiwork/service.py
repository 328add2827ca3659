"""AI at work on the platform: employment tables in the database, exposure figures, scenarios, occupation
pages and reskilling plans. Plain functions over a Session calling the phase-A engine; they never commit."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, and_, insert, or_, select
from sqlalchemy.orm import Session

from qorgau.aiwork import employment, exposure, reference, reskilling, scenarios, synthetic, workflow
from qorgau.aiwork.gradients import (
    CLASS_LABELS,
    COLUMNS,
    EXPOSED,
    SOURCE,
    UNSCORED,
    explain,
    occupation_classes,
)
from qorgau.aiwork.models import EmploymentRow, EmploymentTable, Plan, PlanItem, PlanWorker, Scenario
from qorgau.aiwork.schemas import PlanIn, TableMeta
from qorgau.aiwork.states import AGREED_OR_LATER, SHOWN_TO_EMPLOYER, PlanStatus
from qorgau.core import audit, policy
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.tabular import ImportFailed, Problem, read_table
from qorgau.registry import access
from qorgau.registry.models import Enterprise, UnionOrg

MAX_ROWS = 300_000
MAX_EMPLOYED_PER_ROW = 100_000_000
# Dimension columns kept in the database (file column -> row attribute) and their maximum length.
STORED_DIMENSIONS = {"region": ("region", 9), "sector": ("sector", 7), "sex": ("sex", 7),
                     "age_band": ("age_band", 40), "enterprise": ("unit", 120)}
SYNTHETIC_LABEL = synthetic.SYNTHETIC_LABEL
SOURCE_YEAR = exposure.SOURCE_YEAR


# ---- permissions and visibility ---------------------------------------------------------------------


def _table_visible(session: Session, actor: User) -> ColumnElement[bool]:
    """Tables without an enterprise (national, regional, sectoral) are open to every aiwork reader; an
    enterprise's workforce table only inside the reader's scope."""
    return or_(EmploymentTable.enterprise_id.is_(None), access.scoped(session, actor, EmploymentTable.enterprise_id))


def _plan_visible(session: Session, actor: User) -> ColumnElement[bool]:
    visible = access.inbox_scope(session, actor, union_org_column=Plan.union_id, enterprise_id_column=Plan.enterprise_id)
    if policy.allowed(actor, "aiwork.plan_propose"):
        return visible
    # A plan the union drafts is the union's own until it is proposed to the employer.
    return and_(visible, or_(Plan.drafted_by != "union", Plan.status.in_(SHOWN_TO_EMPLOYER)))


# ---- employment tables --------------------------------------------------------------------------------


@dataclass
class ParsedTable:
    """A validated upload: the engine's table, which dimensions it has, and what was left aside."""

    table: pd.DataFrame
    dimensions: list[str]
    ignored_columns: list[str]
    lines: np.ndarray
    synthetic_rows: int = 0
    cells: list[employment.CellProblem] = field(default_factory=list)
    occupations: dict = field(default_factory=dict)  # how SOC codes were converted to ISCO-08, when they were


def _failed(cells: list[employment.CellProblem], total: int | None = None) -> ImportFailed:
    problems = [Problem(p.row if isinstance(p.row, int) else 1, p.column, p.message, dict(p.params or {}))
                for p in cells]
    failed = ImportFailed(problems)
    failed.cells = cells  # the message ids and parameters, for translated pages
    failed.params = {"n": total if total is not None else len(problems)}
    return failed


def parse_upload(*, data: bytes, filename: str, unmatched: str = "refuse") -> ParsedTable:
    """Read and validate an employment table (CSV/XLSX): isco08 (or US SOC), employed and any dimension columns.

    SOC codes the crosswalk cannot map are refused, or with `unmatched="drop"` left out and counted (rows and
    share of employment, in `occupations`). Raises ImportFailed listing every bad cell by row (the file's line,
    header = 1) and column."""
    header, rows = read_table(data, filename)
    if not rows:
        raise ImportFailed([Problem(2, "", N_("The file has no data rows."))])
    if len(rows) > MAX_ROWS:
        raise ImportFailed([Problem(MAX_ROWS + 2, "", N_("The file has more than 300,000 rows; split it."))])
    twice = sorted({c for c in header if c and header.count(c) > 1})
    if twice:
        raise ImportFailed([Problem(1, c, N_("This column appears more than once.")) for c in twice])
    original = header
    header = employment.canonical_columns(header)
    if header != original:
        rows = [{new: row.get(old, "") for old, new in zip(original, header, strict=True) if new} for row in rows]
    dims = [c for c in header if c in STORED_DIMENSIONS]
    ignored = [c for c in header if c and c not in STORED_DIMENSIONS and c not in employment.REQUIRED]
    frame = pd.DataFrame(rows, columns=[c for c in header if c])
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    frame, occupations = employment.from_soc(frame, "drop" if unmatched == "drop" else "refuse")
    if occupations:
        ignored = [c for c in ignored if c not in (occupations["column"], "o_group", employment.OES_EMPLOYED)]
    cells: list[employment.CellProblem] = []
    for dim in dims:
        limit = STORED_DIMENSIONS[dim][1]
        too_long = frame[dim].str.len() > limit
        cells += [employment.CellProblem(int(line), dim, value, N_("'%(value)s' is longer than %(limit)s characters."),
                                         {"value": value[:60], "limit": limit})
                  for line, value in frame.loc[too_long, dim].items()]
    try:
        table = employment.validate(frame, dims=dims)
    except employment.EmploymentInputError as error:
        found = sorted(list(error.problems) + cells, key=lambda p: (p.row if isinstance(p.row, int) else 0))
        raise _failed(found, error.total + len(cells))
    too_many = table["employed"].to_numpy() > MAX_EMPLOYED_PER_ROW
    cells += [employment.CellProblem(int(line), "employed", str(frame.loc[line, "employed"]),
                                     N_("'%(value)s' is more workers than a country has."),
                                     {"value": str(frame.loc[line, "employed"])[:40]})
              for line in table.index[too_many]]
    if cells:
        raise _failed(cells)
    synthetic_rows = 0
    if "data_label" in frame.columns:
        synthetic_rows = int((frame["data_label"].str.strip().str.casefold() == synthetic.DATA_LABEL).sum())
    return ParsedTable(table, dims, ignored, frame.index.to_numpy(), synthetic_rows, occupations=occupations)


def preview(parsed: ParsedTable, *, rows: int = 10) -> dict:
    """What an upload would bring: size, dimensions, national figures by class, the first rows."""
    national = exposure.aggregate(parsed.table)
    head = parsed.table.head(rows).astype({"isco08": str})
    return {"rows": len(parsed.table), "employed": float(parsed.table["employed"].sum()),
            "dimensions": parsed.dimensions, "ignored_columns": parsed.ignored_columns,
            "synthetic_rows": parsed.synthetic_rows, "occupations": parsed.occupations, "national": _group_rows(national, [])[0],
            "head": [{"line": int(line), **{k: (str(v) if k != "employed" else float(v)) for k, v in row.items()}}
                     for line, row in zip(parsed.lines[:rows], head.to_dict(orient="records"), strict=False)]}


def check_upload_allowed(session: Session, actor: User, enterprise_id: int | None) -> None:
    """May this user upload a table for this enterprise (None: a national, regional or sectoral table)?"""
    policy.require(actor, "aiwork.file")
    if enterprise_id is not None:
        access.require_enterprise(session, actor, "aiwork.file", enterprise_id)
    elif enterprise_bound(actor):
        raise ValidationFailed(N_("Your account is bound to one enterprise: upload its workforce, with its id."),
                               field="enterprise_id")


def enterprise_bound(actor: User) -> bool:
    """Whether the user's account is bound to one enterprise (so every table they upload is its workforce)."""
    return actor.role != policy.Role.ADMIN and actor.scope_kind == "enterprise"


def upload_table(*, session: Session, actor: User, data: bytes, filename: str, meta: TableMeta,
                 unmatched: str = "refuse") -> EmploymentTable:
    """Validate and store an employment table whole, or nothing (ImportFailed names every bad cell)."""
    check_upload_allowed(session, actor, meta.enterprise_id)
    parsed = parse_upload(data=data, filename=filename, unmatched=unmatched)
    return store_table(session=session, actor=actor, parsed=parsed, meta=meta, filename=filename)


def _check_employment(*, session: Session, actor: User, data: bytes, filename: str, options: dict):
    """Dry run of an employment table for the core import flow: every bad cell, nothing written."""
    from qorgau.core.imports import Problem
    from qorgau.core.imports.flow import Checked

    check_upload_allowed(session, actor, options.get("enterprise_id"))
    try:
        parsed = parse_upload(data=data, filename=filename, unmatched=options.get("unmatched", "refuse"))
    except ImportFailed as failed:
        cells = getattr(failed, "cells", None)
        if cells is None:
            return Checked(problems=list(failed.problems))
        return Checked(problems=[Problem(c.row if isinstance(c.row, int) else 1, c.column, c.message, dict(c.params))
                                 for c in cells])
    return Checked(counts={"rows": len(parsed.table)} | _left_out(parsed))


def _left_out(parsed: ParsedTable) -> dict:
    """What the conversion from US SOC left out, split or dropped, for the preview and the import's audit event."""
    soc = parsed.occupations
    return {k: soc[k] for k in ("subtotal_rows_left_out", "unmatched_rows_dropped", "unmatched_employment_share",
                                "employment_split_share") if soc.get(k) is not None}


def _write_employment(*, session: Session, actor: User, data: bytes, filename: str, options: dict) -> dict:
    meta = TableMeta.model_validate(options["meta"], strict=False)
    check_upload_allowed(session, actor, meta.enterprise_id)
    parsed = parse_upload(data=data, filename=filename, unmatched=options.get("unmatched", "refuse"))
    table = store_table(session=session, actor=actor, parsed=parsed, meta=meta, filename=filename)
    return {"table_id": table.id, "rows": table.row_count} | _left_out(parsed)


def employment_importer():
    """The employment-table upload on the core staged import flow."""
    from qorgau.core.imports.flow import Importer

    return Importer("aiwork.employment", "aiwork.file", _check_employment, _write_employment)


def store_table(*, session: Session, actor: User | None, parsed: ParsedTable, meta: TableMeta,
                filename: str = "") -> EmploymentTable:
    """Write a validated table and its rows in one batch (a table labelled synthetic by any row is synthetic)."""
    table = parsed.table
    record = EmploymentTable(
        title=meta.title, source=meta.source, year=meta.year, filename=filename[:200],
        synthetic=meta.synthetic or parsed.synthetic_rows > 0, enterprise_id=meta.enterprise_id,
        dimensions=parsed.dimensions, row_count=len(table), employed=float(table["employed"].sum()),
        uploaded_by_id=actor.id if actor is not None else None)
    session.add(record)
    session.flush()
    columns = {"isco08": table["isco08"].astype(str).to_numpy(), "employed": table["employed"].to_numpy(float)}
    for dim in parsed.dimensions:
        columns[STORED_DIMENSIONS[dim][0]] = table[dim].astype(str).to_numpy()
    names = list(columns)
    values = [columns[n].tolist() for n in names]
    lines = parsed.lines.tolist()
    connection = session.connection()
    if connection.dialect.name == "postgresql":  # COPY: ten times faster than batched INSERTs here
        columns = ", ".join(["table_id", "line", *names])
        with connection.connection.driver_connection.cursor() as cursor, \
                cursor.copy(f"COPY {EmploymentRow.__tablename__} ({columns}) FROM STDIN") as copy:
            for line, *cells in zip(lines, *values, strict=True):
                copy.write_row((record.id, line, *cells))
    else:
        rows = [{"table_id": record.id, "line": line, **dict(zip(names, cells, strict=True))}
                for line, *cells in zip(lines, *values, strict=True)]
        for start in range(0, len(rows), 20_000):
            session.execute(insert(EmploymentRow.__table__), rows[start:start + 20_000])
    audit.record(session, action="aiwork.table_uploaded", object_type="aiwork_employment_table",
                 object_id=record.id, after={"rows": len(lines), "employed": record.employed,
                                             "synthetic": record.synthetic, "source": record.source})
    return record


def tables(*, session: Session, actor: User) -> list[EmploymentTable]:
    """Employment tables this user may read, newest first."""
    policy.require(actor, "aiwork.read")
    return list(session.execute(select(EmploymentTable).where(_table_visible(session, actor))
                                .order_by(EmploymentTable.created_at.desc(), EmploymentTable.id.desc())).scalars())


def get_table(*, session: Session, actor: User, table_id: int) -> EmploymentTable:
    policy.require(actor, "aiwork.read")
    found = session.execute(select(EmploymentTable).where(EmploymentTable.id == table_id,
                                                          _table_visible(session, actor))).scalar()
    if found is None:
        raise NotFound(N_("Not found."))
    return found


def default_table(*, session: Session, actor: User, enterprise_id: int | None = None) -> EmploymentTable | None:
    """The newest table of that enterprise's workforce when there is one, else the newest national table
    (no enterprise) this user may read, else the newest of any."""
    visible = tables(session=session, actor=actor)
    own = [t for t in visible if enterprise_id is not None and t.enterprise_id == enterprise_id]
    national = [t for t in visible if t.enterprise_id is None]
    return (own or national or visible or [None])[0]


_FRAMES: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_FRAMES_KEPT = 4


def table_frame(*, session: Session, table: EmploymentTable) -> pd.DataFrame:
    """The stored rows as the engine's validated table (isco08, employed and the table's dimensions).

    Rows are never edited after an upload, so the last few frames are kept in memory (keyed by the
    database, the table and its size); treat the frame as read-only."""
    key = (str(session.get_bind().url), table.id, table.row_count, table.employed, str(table.created_at))
    if key in _FRAMES:
        _FRAMES.move_to_end(key)
        return _FRAMES[key]
    attrs = {dim: STORED_DIMENSIONS[dim][0] for dim in table.dimensions}
    names = ["isco08", "employed", *attrs]
    columns = [EmploymentRow.isco08, EmploymentRow.employed] + [getattr(EmploymentRow, a) for a in attrs.values()]
    rows = session.execute(select(*columns).where(EmploymentRow.table_id == table.id)
                           .order_by(EmploymentRow.id)).all()
    values = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    frame = pd.DataFrame({name: pd.Categorical([str(v) for v in column]) if name != "employed"
                          else np.asarray(column, dtype=float) for name, column in zip(names, values, strict=True)})
    _FRAMES[key] = frame
    while len(_FRAMES) > _FRAMES_KEPT:
        _FRAMES.popitem(last=False)
    return frame


# ---- exposure figures ----------------------------------------------------------------------------------


def _clean(value):
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else value


def _group_rows(result: pd.DataFrame, by: list[str]) -> list[dict]:
    """Aggregate rows as dicts: group key, employed, jobs and shares per class, exposed, mean score."""
    out = []
    for row in result.to_dict(orient="records"):
        out.append({
            "key": "|".join(str(row[b]) for b in by), "group": {b: str(row[b]) for b in by},
            "employed": float(row["employed"]),
            "jobs": {c: float(row[c]) for c in COLUMNS},
            "shares": {c: _clean(float(row[f"share_{c}"])) for c in COLUMNS},
            "exposed": float(row["exposed"]), "share_exposed": _clean(float(row["share_exposed"])),
            "mean_score": _clean(float(row["mean_score"]))})
    return out


def exposure_rows(*, session: Session, actor: User, table_id: int, by: list[str]) -> dict:
    """Jobs by ILO 2025 class per group of `by` (the CLI/API shape), with the table's synthetic flag."""
    table = get_table(session=session, actor=actor, table_id=table_id)
    unknown = [b for b in by if b not in table.dimensions]
    if unknown:
        raise ValidationFailed(N_("The table has no column %(column)s to group by."), field="by",
                               params={"column": ", ".join(unknown)})
    frame = table_frame(session=session, table=table)
    result = exposure.aggregate(frame, by=by)
    return {"table_id": table.id, "synthetic": table.synthetic, "label": SYNTHETIC_LABEL if table.synthetic else None,
            "source": SOURCE, "source_year": SOURCE_YEAR, "by": by, "rows": exposure.to_records(result, by)}


def dashboard(*, session: Session, actor: User, table_id: int, locale: str = "en") -> dict:
    """Every figure of the exposure dashboard for one table: country, regions, sectors, occupations, sex."""
    table = get_table(session=session, actor=actor, table_id=table_id)
    frame = table_frame(session=session, table=table)
    out: dict = {"table": table, "synthetic": table.synthetic, "source": SOURCE, "source_year": SOURCE_YEAR,
                 "national": _group_rows(exposure.aggregate(frame), [])[0] if len(frame) else None}
    for dim in ("region", "sector", "sex"):
        if dim in table.dimensions and len(frame):
            rows = _group_rows(exposure.aggregate(frame, by=[dim]), [dim])
            out[f"by_{dim}"] = sorted(rows, key=lambda r: -(r["share_exposed"] or 0))
    if "sex" in table.dimensions and len(frame) and {"female", "male"} <= set(frame["sex"]):
        gap = exposure.gender_gap(frame).iloc[0].to_dict()
        out["gender_gap"] = {k: _clean(float(v)) for k, v in gap.items()}
    if len(frame):
        top = exposure.top_occupations(frame, n=15)
        out["top_occupations"] = [
            {"isco08": r["isco08"], "title": reference.title(r["isco08"], locale), "employed": float(r["employed"]),
             "class": r["class"], "mean_2025": _clean(float(r["mean_2025"]))} for r in top.to_dict(orient="records")]
    return out


# ---- scenarios -----------------------------------------------------------------------------------------


def assumptions_from(*, preset: str, start_year: int, end_year: int, adoption: dict[str, dict] | None = None,
                     effects: dict[str, dict] | None = None) -> scenarios.Assumptions:
    """A preset with the user's edits (ValidationFailed names the parameter that is impossible)."""
    try:
        base = scenarios.load_assumptions(preset, start_year=start_year, end_year=end_year)
        if adoption or effects:
            return scenarios.with_changes(base, adoption=adoption or {}, effects=effects or {})
        base.check()
        return base
    except scenarios.ScenarioError as error:
        raise ValidationFailed(N_("Impossible assumption: %(detail)s"), field="assumptions",
                               params={"detail": str(error)})


def run_scenario(*, session: Session, actor: User, table_id: int, assumptions: scenarios.Assumptions) -> dict:
    """Jobs transformed and at risk of displacement by year (and by sector in the last year), assumptions shown."""
    table = get_table(session=session, actor=actor, table_id=table_id)
    frame = table_frame(session=session, table=table)
    result = scenarios.run(frame, assumptions)
    last = scenarios.by_sector(result, assumptions.end_year)
    return {"table": table, "synthetic": table.synthetic, "label": scenarios.ASSUMPTION_NOTE,
            "assumptions": result.assumptions, "unscored": result.unscored,
            "employed": float(frame["employed"].sum()),
            "totals": [{k: _clean(v) for k, v in row.items()} for row in result.totals.to_dict(orient="records")],
            "by_sector": last.to_dict(orient="records")}


def save_scenario(*, session: Session, actor: User, name: str, assumptions: scenarios.Assumptions) -> Scenario:
    policy.require(actor, "aiwork.file")
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed(N_("Give the scenario a name (up to 200 characters)."), field="name")
    scenario = Scenario(name=name, preset=assumptions.scenario, assumptions=assumptions.to_dict(),
                        created_by_id=actor.id)
    session.add(scenario)
    session.flush()
    return scenario


def saved_scenarios(*, session: Session, actor: User) -> list[Scenario]:
    policy.require(actor, "aiwork.read")
    return list(session.execute(select(Scenario).order_by(Scenario.id.desc()).limit(50)).scalars())


def saved_assumptions(*, session: Session, actor: User, scenario_id: int) -> scenarios.Assumptions:
    """Saved assumptions back as the engine's object."""
    policy.require(actor, "aiwork.read")
    scenario = session.get(Scenario, scenario_id)
    if scenario is None:
        raise NotFound(N_("Not found."))
    data = scenario.assumptions
    return scenarios.Assumptions(data["scenario"], int(data["start_year"]), int(data["end_year"]),
                                 pd.DataFrame(data["adoption"]), pd.DataFrame(data["effects"]).astype({"class": str}),
                                 tuple(data.get("notes", ())))


# ---- occupations and reskilling -------------------------------------------------------------------------


def _unit_or_404(code: str) -> str:
    if code not in reference.unit_groups():
        raise NotFound(N_("Not found."))
    return code


def demand_of(*, session: Session, table: EmploymentTable | None) -> pd.Series | None:
    """Jobs per unit group in a table (after splitting higher-level codes), for the demand term."""
    if table is None:
        return None
    frame = table_frame(session=session, table=table)
    return exposure.occupations(frame).groupby("isco08")["employed"].sum() if len(frame) else None


def occupation(*, session: Session, actor: User, code: str, table_id: int | None = None, locale: str = "en",
               top: int = 10) -> dict:
    """One unit group: its ILO 2025 class and why, its most exposed tasks, jobs in a table, and pathways."""
    policy.require(actor, "aiwork.read")
    code = _unit_or_404(code)
    table = get_table(session=session, actor=actor, table_id=table_id) if table_id else None
    scores = reference.ilo_scores()
    cls = str(occupation_classes()[code])
    out: dict = {"isco08": code, "title": reference.title(code, locale), "class": cls, "source": SOURCE,
                 "table": table, "synthetic": bool(table and table.synthetic)}
    if code in scores.index:
        row = scores.loc[code]
        out.update(mean=float(row["mean_2025"]), sd=float(row["sd_2025"]),
                   why=explain(float(row["mean_2025"]), float(row["sd_2025"])),
                   tasks=reference.ilo_tasks(code).sort_values("score_2025", ascending=False)
                   .head(12).to_dict(orient="records"))
    demand = demand_of(session=session, table=table)
    out["jobs"] = float(demand.get(code, 0.0)) if demand is not None else None
    try:
        out["pathways"] = reskilling.rank_targets(code, top=top, employment_by_unit=demand, locale=locale)
    except reskilling.ReskillingError as error:
        out["pathways"], out["no_pathways"] = None, str(error)
    return out


def search(*, actor: User, text: str, limit: int = 30) -> list[dict]:
    """Unit groups whose ISCO title (en/kk/ru) or ESCO label matches, with their class."""
    policy.require(actor, "aiwork.read")
    text = text.strip()
    if not text:
        return []
    if text.isdigit():
        units = [u for u in reference.unit_groups() if u.startswith(text)][:limit]
        found = reference.isco_titles().loc[units, ["title_en", "title_kk", "title_ru"]]
    else:
        found = reference.search_occupations(text, limit=limit)
    classes = occupation_classes()
    return [{"isco08": code, "titles": row, "class": str(classes[code])}
            for code, row in found.to_dict(orient="index").items()]


def exposure_for_occupations(*, session: Session, isco_codes: list[str]) -> dict[str, dict]:
    """ILO 2025 class and mean task score per ISCO-08 code (for other packages, e.g. the AI register).

    A unit group gets its own class; a code above that level gets no single class, and its mean score is the
    unweighted mean over its scored unit groups. Unknown codes come back with known=False, never guessed."""
    scores = reference.ilo_scores()["mean_2025"]
    classes = occupation_classes()
    titles = reference.isco_titles()
    out = {}
    for raw in isco_codes:
        code = str(raw).strip()
        entry = {"isco08": code, "known": code in titles.index, "gradient": None, "mean_score": None,
                 "source": SOURCE, "source_year": SOURCE_YEAR}
        if code in classes.index:
            entry["gradient"] = str(classes[code])
            entry["label"] = CLASS_LABELS[entry["gradient"]]
            entry["mean_score"] = _clean(float(scores[code])) if code in scores.index else None
        elif entry["known"]:
            units = [u for u in reference.children_units(code) if u in scores.index]
            entry["mean_score"] = float(scores[units].mean()) if units else None
        out[code] = entry
    return out


def read_exposure(*, session: Session, actor: User, isco_codes: list[str]) -> list[dict]:
    """`exposure_for_occupations` for a reader of AI at work, as a list in the order asked."""
    policy.require(actor, "aiwork.read")
    return list(exposure_for_occupations(session=session, isco_codes=isco_codes).values())


# ---- reskilling plans ---------------------------------------------------------------------------------


def suggest(*, session: Session, actor: User, codes: list[str], table_id: int | None = None, top: int = 5,
            locale: str = "en") -> list[dict]:
    """For each chosen occupation: ranked target occupations with skill gaps (the draft of a plan)."""
    policy.require(actor, "aiwork.read")
    table = get_table(session=session, actor=actor, table_id=table_id) if table_id else None
    demand = demand_of(session=session, table=table)
    out = []
    for code in dict.fromkeys(codes):
        if code not in reference.unit_groups():
            raise ValidationFailed(N_("'%(value)s' is not an ISCO-08 unit group (4 digits)."), field="codes",
                                   params={"value": code})
        try:
            result = reskilling.rank_targets(code, top=top, employment_by_unit=demand, locale=locale)
        except reskilling.ReskillingError:
            out.append({"isco08": code, "title": reference.title(code, locale), "class": str(occupation_classes()[code]),
                        "pathways": [], "jobs": None})
            continue
        out.append({"isco08": code, "title": result.source["title"], "class": result.source["exposure_class"],
                    "pathways": list(result.pathways),
                    "jobs": float(demand.get(code, 0.0)) if demand is not None else None})
    return out


def exposed_occupations(*, session: Session, actor: User, table_id: int, locale: str = "en",
                        limit: int = 40) -> list[dict]:
    """Unit groups in gradients 1-4 with the most jobs in a table (the choices of the plan page)."""
    table = get_table(session=session, actor=actor, table_id=table_id)
    frame = table_frame(session=session, table=table)
    if not len(frame):
        return []
    top = exposure.top_occupations(frame, n=limit, classes=EXPOSED)
    return [{"isco08": r["isco08"], "title": reference.title(r["isco08"], locale), "employed": float(r["employed"]),
             "class": r["class"]} for r in top.to_dict(orient="records")]


def _check_plan_owner(session: Session, actor: User, enterprise_id: int | None, union_id: int | None) -> None:
    policy.require(actor, "aiwork.file")
    if enterprise_id is None and union_id is None:
        raise ValidationFailed(N_("Say for which enterprise or union organisation the plan is."), field="enterprise_id")
    if enterprise_id is not None:
        access.require_enterprise(session, actor, "aiwork.file", enterprise_id)
    if union_id is not None:
        if session.get(UnionOrg, union_id) is None:
            raise ValidationFailed(N_("Unknown union organisation."), field="union_id")
        reach = access.reachable_union_ids(session, actor)
        if reach is not None and union_id not in reach:
            raise NotFound(N_("Not found."))


def create_plan(*, session: Session, actor: User, plan_in: PlanIn) -> Plan:
    """Save a retraining plan draft: who moves from which occupation to which, how many, training, dates."""
    _check_plan_owner(session, actor, plan_in.enterprise_id, plan_in.union_id)
    table = get_table(session=session, actor=actor, table_id=plan_in.table_id) if plan_in.table_id else None
    units = set(reference.unit_groups())
    sim = reskilling.similarity_matrix("cosine")
    items = []
    for i, item in enumerate(plan_in.items):
        for name in ("source_isco", "target_isco"):
            if getattr(item, name) not in units:
                raise ValidationFailed(N_("Item %(n)s: '%(value)s' is not an ISCO-08 unit group."),
                                       field=f"items.{i}.{name}", params={"n": i + 1, "value": getattr(item, name)})
        if item.source_isco == item.target_isco:
            raise ValidationFailed(N_("Item %(n)s: the target occupation is the same as the source."),
                                   field=f"items.{i}.target_isco", params={"n": i + 1})
        if item.end_on < item.start_on:
            raise ValidationFailed(N_("Item %(n)s: the training ends before it starts."), field=f"items.{i}.end_on",
                                   params={"n": i + 1})
        both = item.source_isco in sim.index and item.target_isco in sim.index
        gaps = reskilling.skill_gaps(item.source_isco, item.target_isco) if both else ()
        similarity = round(float(sim.loc[item.source_isco, item.target_isco]), 4) if both else None
        items.append(PlanItem(source_isco=item.source_isco, target_isco=item.target_isco, people=item.people,
                              training=item.training.strip(), start_on=item.start_on, end_on=item.end_on,
                              similarity=similarity, score=_score(item.source_isco, item.target_isco, similarity),
                              skill_gaps=[g.skill for g in gaps]))
    plan = Plan(title=plan_in.title.strip(), enterprise_id=plan_in.enterprise_id, union_id=plan_in.union_id,
                table_id=table.id if table else None, synthetic=bool(table and table.synthetic),
                notes=plan_in.notes, created_by_id=actor.id, items=items,
                drafted_by="union" if policy.allowed(actor, "aiwork.plan_propose") else "employer")
    session.add(plan)
    session.flush()
    return plan


def _score(source: str, target: str, similarity: float | None) -> float | None:
    """The ranking score of a pathway without the demand term (reskilling.rank_targets's definition)."""
    scores = reference.ilo_scores()["mean_2025"]
    if similarity is None or source not in scores.index or target not in scores.index or not scores[source]:
        return None
    weights = reskilling.Weights().effective(False)
    reduction = max(0.0, float(scores[source] - scores[target])) / float(scores[source])
    return round(weights["similarity"] * max(similarity, 0.0) + weights["exposure"] * reduction, 4)


def plans(*, session: Session, actor: User) -> list[Plan]:
    policy.require(actor, "aiwork.read")
    return list(session.execute(select(Plan).where(_plan_visible(session, actor))
                                .order_by(Plan.id.desc())).scalars())


def get_plan(*, session: Session, actor: User, plan_id: int) -> Plan:
    policy.require(actor, "aiwork.read")
    plan = session.execute(select(Plan).where(Plan.id == plan_id, _plan_visible(session, actor))).scalar()
    if plan is None:
        raise NotFound(N_("Not found."))
    return plan


def move_plan(*, session: Session, actor: User, plan_id: int, status: str, note: str = "", signatory: str = "",
              signed_on: date | None = None) -> Plan:
    """Move a retraining plan along draft → proposed → agreed → in progress → done (or abandoned)."""
    plan = get_plan(session=session, actor=actor, plan_id=plan_id)
    return workflow.move(session=session, actor=actor, plan=plan, target=status, note=note, signatory=signatory,
                         signed_on=signed_on)


def record_worker_progress(*, session: Session, actor: User, plan_id: int, item_id: int, reference: str,
                           progress: str, note: str = "") -> PlanWorker:
    """Enrol an affected worker or move them on (see workflow.record_progress)."""
    plan = get_plan(session=session, actor=actor, plan_id=plan_id)
    return workflow.record_progress(session=session, actor=actor, plan=plan, item_id=item_id, reference=reference,
                                    progress=progress, note=note)


def plan_workers(*, session: Session, actor: User, plan_id: int) -> list[PlanWorker]:
    return workflow.workers(session=session, plan=get_plan(session=session, actor=actor, plan_id=plan_id))


def plan_people(plan: Plan) -> int:
    return sum(item.people for item in plan.items)


def enterprises_for_plans(*, session: Session, actor: User, limit: int = 500) -> list[Enterprise]:
    """Enterprises this user may draft a plan for."""
    if not policy.allowed(actor, "aiwork.file"):
        return []
    return list(session.execute(select(Enterprise).where(access.enterprise_scope(session, actor))
                                .order_by(Enterprise.name_en, Enterprise.id).limit(limit)).scalars())


# ---- for other packages (the AI register) ---------------------------------------------------------------

ASSUMPTION_NOTE = scenarios.ASSUMPTION_NOTE


def occupation_titles(*, isco_codes: list[str], locale: str) -> dict[str, str]:
    """Titles in `locale` of the codes that are ISCO-08 occupations (unknown codes are left out)."""
    known = reference.isco_titles().index
    return {code: reference.title(code, locale) for code in isco_codes if code in known}


def occupation_profiles(*, isco_codes: list[str], locale: str) -> dict[str, dict]:
    """Per code: its ILO 2025 class ("unscored" when it has none) with the class's label, the mean task score
    and the title in `locale` (the code itself when unscored), for the occupations an AI system affects."""
    classes = occupation_classes()
    scores = reference.ilo_scores()
    out = {}
    for code in isco_codes:
        cls = str(classes.get(code, UNSCORED))
        out[code] = {"title": reference.title(code, locale) if code in classes.index else code, "class": cls,
                     "label": CLASS_LABELS[cls],
                     "mean": float(scores.loc[code, "mean_2025"]) if code in scores.index else None}
    return out


def displacement_model(*, sector_code: str, year: int) -> tuple[float, dict[str, float]]:
    """The central scenario's adoption share in a sector by `year` and the share of jobs displaced per ILO
    class at full adoption (illustrative assumptions, see ASSUMPTION_NOTE)."""
    assumptions = scenarios.load_assumptions("central")
    ceiling, midpoint, steepness = assumptions.curve(sector_code)
    adoption = float(scenarios.adoption_share([year], ceiling, midpoint, steepness)[0])
    return adoption, dict(zip(assumptions.effects["class"], assumptions.effects["displaced_share"], strict=True))


def agreed_plan(*, session: Session, plan_id: int | None) -> Plan | None:
    """The retraining plan if the employer agreed to it (agreed, in progress or done), else None. No scope
    check: the register's escalation asks it as the system."""
    plan = session.get(Plan, plan_id) if plan_id else None
    if plan is None or plan.status not in AGREED_OR_LATER:
        return None
    return plan


# ---- for other packages (support cases) ----------------------------------------------------------------------


def follow_plan_progress(follower: Callable[..., object]) -> None:
    """Call `follower(session=, plan=, worker=, today=)` after each worker's progress on a plan is recorded."""
    if follower not in workflow.PROGRESS_FOLLOWERS:
        workflow.PROGRESS_FOLLOWERS.append(follower)


def unit_group_titles(*, isco_codes: list[str], locale: str) -> dict[str, str]:
    """Titles in `locale` of the codes that are ISCO-08 unit groups (4 digits); other codes are left out."""
    groups = set(reference.unit_groups())
    return {code: reference.title(code, locale) for code in isco_codes if code in groups}


def planned_retraining(*, session: Session, enterprise_id: int, isco08: str) -> dict | None:
    """The enterprise's retraining plan item for workers of `isco08` (agreed or in progress plans before
    proposed ones, the newest first): its target occupation, plan, training and similarity. No scope check:
    support matches a case's worker to it."""
    item = session.execute(
        select(PlanItem).join(Plan).where(Plan.enterprise_id == enterprise_id, PlanItem.source_isco == isco08,
                                          Plan.status.in_((PlanStatus.AGREED, PlanStatus.IN_PROGRESS,
                                                           PlanStatus.PROPOSED)))
        .order_by((Plan.status == PlanStatus.PROPOSED).asc(), Plan.id.desc())).scalars().first()
    if item is None:
        return None
    return {"target_isco": item.target_isco, "plan_id": item.plan_id, "training": item.training,
            "similarity": item.similarity}


def best_reskilling_target(*, isco08: str, locale: str = "en") -> dict | None:
    """The reskilling model's best target occupation for workers of `isco08` (its code and similarity); None
    where the model cannot use the code or finds no target."""
    try:
        result = reskilling.rank_targets(isco08, top=1, locale=locale)
    except reskilling.ReskillingError:
        return None
    if not result.pathways:
        return None
    best = result.pathways[0]
    return {"target_isco": best.isco08, "similarity": best.similarity}
