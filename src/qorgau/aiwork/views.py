"""AI at work pages: exposure dashboard (country, regions on the map, sectors, occupations, sex), scenarios,
occupation explorer with reskilling pathways, employment-table upload and retraining plans."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.aiwork import reference, scenarios, service, workflow
from qorgau.aiwork.gradients import CLASS_DESCRIPTIONS, CLASS_LABELS, CLASSES, COLUMNS, EXPOSED
from qorgau.aiwork.reskilling import SKILL_LABELS, SKILL_SOURCE
from qorgau.aiwork.schemas import PlanIn, TableMeta
from qorgau.core import forms, i18n, policy, tabular
from qorgau.core.charts import figure_json
from qorgau.core.deps import form_data, get_db, require_user
from qorgau.core.errors import AppError, ValidationFailed
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.registry import access
from qorgau.registry import service as registry
from qorgau.registry.maps import region_map

router = APIRouter(prefix="/aiwork")
NAV = [NavItem(N_("AI at work"), "/aiwork/", "aiwork.read")]
COLORS = {"not_exposed": "#d9e4ec", "minimal": "#a9c4d8", "1": "#fcd9a4", "2": "#f7a65c", "3": "#e0622b",
          "4": "#a3200f", "unscored": "#cccccc"}
SEX_LABELS = {"female": N_("Women"), "male": N_("Men"), "unknown": N_("unknown")}
EXPORT_DIMENSIONS = {"region": N_("Region"), "sector": N_("Sector"), "sex": N_("Sex"), "age_band": N_("Age band"),
                     "enterprise": N_("Enterprise")}
MAX_UPLOAD_BYTES = 30 * 1024 * 1024
CONTEXT = {"class_labels": CLASS_LABELS, "class_descriptions": CLASS_DESCRIPTIONS, "classes": CLASSES,
           "columns": COLUMNS, "exposed_classes": EXPOSED, "colors": COLORS, "sex_labels": SEX_LABELS,
           "skill_labels": SKILL_LABELS, "skill_source": SKILL_SOURCE, "synthetic_label": service.SYNTHETIC_LABEL,
           "source_label": service.SOURCE, "scenario_labels": scenarios.SCENARIO_LABELS}


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "aiwork.read"):
        return []
    table = service.default_table(session=db, actor=user)
    if table is None:
        return []
    items = [PanelItem(_("Exposure dashboard"), f"/aiwork/tables/{table.id}",
                       _("Synthetic data for demonstration: not official statistics.") if table.synthetic else "",
                       "warn" if table.synthetic else "")]
    items += [PanelItem(p.title, f"/aiwork/plans/{p.id}", _(workflow.STATUS_LABELS[workflow.PlanStatus(p.status)]))
              for p in service.plans(session=db, actor=user)[:3]]
    return [Panel(title=_("AI at work"), order=60, items=items, link="/aiwork/", link_label=_("AI at work"))]


def _figure_html(figure) -> str:
    return figure_json(figure)


def _map(rows: list[dict], names: dict[str, str]) -> str:
    return region_map({r["group"]["region"]: 100 * (r["share_exposed"] or 0) for r in rows}, names, unit="%")


def _stacked(rows: list[dict], labels: list[str]) -> str:
    """Horizontal bars: share of each group's jobs in each ILO class (gradients on the right).

    Long group names are cut on the axis (whole in the hover) and the legend has room for one class
    per line, so nothing is clipped on a 360-pixel phone."""
    import plotly.graph_objects as go

    short = [label if len(label) <= 26 else label[:25] + "…" for label in labels]
    figure = go.Figure()
    for cls in (*CLASSES, "unscored"):
        figure.add_bar(y=short, x=[round(100 * (r["shares"][cls] or 0), 2) for r in rows], name=_(CLASS_LABELS[cls]),
                       orientation="h", marker_color=COLORS[cls], customdata=labels,
                       hovertemplate="%{customdata}: %{x:.1f}%<extra></extra>")
    legend_room = 28 * (len(CLASSES) + 1)
    figure.update_layout(barmode="stack", height=26 * len(rows) + 60 + legend_room,
                         margin={"l": 0, "r": 8, "t": 10, "b": 10},
                         legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0},
                         xaxis={"ticksuffix": "%", "range": [0, 100]},
                         yaxis={"autorange": "reversed", "automargin": True})
    return _figure_html(figure)


def _names(db: Session) -> tuple[dict[str, str], dict[str, str]]:
    regions = {r.kato: i18n.localized(r, "name") for r in registry.regions(session=db)}
    sectors = {s.code: f"{s.code} · {i18n.localized(s, 'name')}" for s in registry.sectors(session=db)}
    return regions, sectors


def _dashboard(request: Request, db: Session, user: User, table_id: int | None):
    if table_id is None:
        table = service.default_table(session=db, actor=user)
        if table is None:
            return render(request, "aiwork/dashboard.html", {**CONTEXT, "d": None})
        table_id = table.id
    d = service.dashboard(session=db, actor=user, table_id=table_id, locale=i18n.get_locale())
    regions, sectors = _names(db)
    charts = {}
    if d.get("by_region"):
        charts["map"] = _map(d["by_region"], regions)
    if d.get("by_sector"):
        charts["sector"] = _stacked(d["by_sector"], [sectors.get(r["group"]["sector"], r["group"]["sector"])
                                                     for r in d["by_sector"]])
    if d.get("by_sex"):
        charts["sex"] = _stacked(d["by_sex"], [_(SEX_LABELS.get(r["group"]["sex"], r["group"]["sex"]))
                                               for r in d["by_sex"]])
    if d.get("national"):
        charts["national"] = _stacked([d["national"]], [_("All jobs")])
    return render(request, "aiwork/dashboard.html", {
        **CONTEXT, "d": d, "t": d["table"], "charts": charts, "region_names": regions, "sector_names": sectors,
        "tables": service.tables(session=db, actor=user)})


@router.get("/")
def home(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _dashboard(request, db, user, None)


@router.get("/tables")
def tables_page(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    found = service.tables(session=db, actor=user)
    names = {e.id: i18n.localized(e, "name") for e in registry.enterprises_by_ids(
        session=db, ids=[t.enterprise_id for t in found if t.enterprise_id])}
    return render(request, "aiwork/tables.html", {**CONTEXT, "tables": found, "names": names})


@router.get("/tables/{aiwork_table_id}")
def table_dashboard(request: Request, aiwork_table_id: IdPath, user: User = Depends(require_user),
                    db: Session = Depends(get_db)):
    return _dashboard(request, db, user, aiwork_table_id)


@router.get("/tables/{aiwork_table_id}/export.xlsx")
def export_table(aiwork_table_id: IdPath, by: str = Query("", max_length=80), user: User = Depends(require_user),
                 db: Session = Depends(get_db)):
    """Exposure by group as XLSX; the synthetic label and the source travel with the figures."""
    dims = [d for d in by.split(",") if d]
    result = service.exposure_rows(session=db, actor=user, table_id=aiwork_table_id, by=dims)
    # Headers and words in the reader's language; a region or sector keeps its code beside its name.
    names = {"region": {r.kato: i18n.localized(r, "name") for r in registry.regions(session=db)},
             "sector": {s.code: i18n.localized(s, "name") for s in registry.sectors(session=db)},
             "sex": {k: _(v) for k, v in SEX_LABELS.items()}}
    header: list[str] = []
    for dim in dims:
        header += [_(EXPORT_DIMENSIONS.get(dim, dim))] + ([_("Code")] if dim in ("region", "sector") else [])
    header += [_("Employed"), *[_(CLASS_LABELS[c]) for c in COLUMNS], _("Source"), _("Data")]
    data_label = _(service.SYNTHETIC_LABEL) if result["synthetic"] else _("Uploaded table")
    rows = []
    for r in result["rows"]:
        cells: list = []
        for dim, value in r["group"].items():
            cells += [names.get(dim, {}).get(value, value)] + ([value] if dim in ("region", "sector") else [])
        rows.append([*cells, r["employed"], *[r["by_gradient"][c] for c in CLASSES], r["unscored"],
                     f"ILO 2025 ({service.reference.ILO_SOURCE})", data_label])
    return tabular.download(header, rows, "xlsx", f"aiwork_exposure_{aiwork_table_id}", _("AI exposure"))


# ---- scenarios -------------------------------------------------------------------------------------


def _float(values: dict, key: str) -> float | None:
    text = values.get(key, "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise AppError(N_("'%(value)s' is not a number."), field=key, params={"value": text[:40]})


def _edits(values: dict, base: scenarios.Assumptions) -> tuple[dict, dict]:
    """Form fields (ceiling_K, midpoint_K, steepness_K, displaced_4, transformed_4) that differ from the preset."""
    adoption: dict[str, dict] = {}
    for row in base.adoption.to_dict(orient="records"):
        sector = row["sector"]
        key = "all" if sector == "*" else sector
        for name, column in (("ceiling", "ceiling"), ("midpoint", "midpoint_year"), ("steepness", "steepness")):
            value = _float(values, f"{name}_{key}")
            if value is not None and abs(value - float(row[column])) > 1e-12:
                adoption.setdefault(sector, {})[column] = value
    effects: dict[str, dict] = {}
    for row in base.effects.to_dict(orient="records"):
        for name, column in (("displaced", "displaced_share"), ("transformed", "transformed_share")):
            value = _float(values, f"{name}_{row['class']}")
            if value is not None and abs(value - float(row[column])) > 1e-12:
                effects.setdefault(str(row["class"]), {})[column] = value
    return adoption, effects


def _assumptions(db: Session, user: User, values: dict) -> scenarios.Assumptions:
    saved = values.get("saved", "")
    if saved.isdigit():
        return service.saved_assumptions(session=db, actor=user, scenario_id=int(saved))
    preset = values.get("preset", "central")
    if preset not in scenarios.SCENARIOS:
        preset = "central"
    years = [values.get("start_year", "2025"), values.get("end_year", "2035")]
    if not all(y.isdigit() and 2000 <= int(y) <= 2100 for y in years):
        raise AppError(N_("Years must be between 2000 and 2100."), field="start_year")
    base = service.assumptions_from(preset=preset, start_year=int(years[0]), end_year=int(years[1]))
    adoption, effects = _edits(values, base)
    return service.assumptions_from(preset=preset, start_year=int(years[0]), end_year=int(years[1]),
                                    adoption=adoption, effects=effects)


def _scenario_page(request: Request, db: Session, user: User, aiwork_table_id: int, values: dict, error: str = ""):
    """The scenario of the form's assumptions; impossible ones show the central preset with the reason."""
    def fallback(message: str, _field: str):
        central = service.assumptions_from(preset="central", start_year=2025, end_year=2035)
        return _scenario_result(request, db, user, aiwork_table_id, central, message)

    return forms.submit(db, lambda: _assumptions(db, user, values), again=fallback,
                        done=lambda assumptions: _scenario_result(request, db, user, aiwork_table_id, assumptions,
                                                                  error))


def _scenario_result(request: Request, db: Session, user: User, aiwork_table_id: int,
                     assumptions: scenarios.Assumptions, error: str):
    result = service.run_scenario(session=db, actor=user, table_id=aiwork_table_id, assumptions=assumptions)
    import plotly.graph_objects as go

    years = [r["year"] for r in result["totals"]]
    figure = go.Figure()
    figure.add_scatter(x=years, y=[r["transformed"] for r in result["totals"]], name=_("Jobs transformed"),
                       mode="lines+markers")
    figure.add_scatter(x=years, y=[r["at_risk"] for r in result["totals"]], name=_("Jobs at risk of displacement"),
                       mode="lines+markers")
    figure.update_layout(height=320, margin={"l": 0, "r": 0, "t": 10, "b": 0}, legend={"orientation": "h"})
    _regions, sectors = _names(db)
    return render(request, "aiwork/scenario.html", {
        **CONTEXT, "r": result, "t": result["table"], "a": result["assumptions"], "chart": _figure_html(figure),
        "sector_names": sectors, "error": error, "saved": service.saved_scenarios(session=db, actor=user),
        "can_save": policy.allowed(user, "aiwork.file")})


@router.get("/tables/{aiwork_table_id}/scenario")
def scenario_page(request: Request, aiwork_table_id: IdPath, user: User = Depends(require_user),
                  db: Session = Depends(get_db)):
    values = {k: v[:40] for k, v in request.query_params.items()}
    return _scenario_page(request, db, user, aiwork_table_id, values)


@router.post("/tables/{aiwork_table_id}/scenario")
def save_scenario(request: Request, aiwork_table_id: IdPath, user: User = Depends(require_user),
                  db: Session = Depends(get_db), form: FormData = Depends(form_data)):
    policy.require(user, "aiwork.file")
    service.get_table(session=db, actor=user, table_id=aiwork_table_id)
    values = {k: str(v)[:200] for k, v in form.items()}

    def action():
        assumptions = _assumptions(db, user, values)
        scenario = service.save_scenario(session=db, actor=user, name=values.get("name", ""), assumptions=assumptions)
        db.commit()
        return scenario

    return forms.submit(db, action, done=lambda scenario: RedirectResponse(
        f"/aiwork/tables/{aiwork_table_id}/scenario?saved={scenario.id}", status_code=303),
        again=lambda message, _field: _scenario_page(request, db, user, aiwork_table_id, values, error=message))


# ---- occupations ----------------------------------------------------------------------------------------


def _table_param(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < 2_147_483_647 else None


@router.get("/occupations")
def occupations_page(request: Request, q: str = Query("", max_length=100), table: str = Query("", max_length=12),
                     user: User = Depends(require_user), db: Session = Depends(get_db)):
    found = service.search(actor=user, text=q)
    for row in found:
        row["title"] = reference.title(row["isco08"], i18n.get_locale())
    return render(request, "aiwork/occupations.html", {**CONTEXT, "q": q, "found": found,
                                                        "table_id": _table_param(table) or ""})


@router.get("/occupations/{isco_code}")
def occupation_page(request: Request, isco_code: str, table: str = Query("", max_length=12),
                    user: User = Depends(require_user), db: Session = Depends(get_db)):
    table_id = _table_param(table)
    if table_id is None:
        default = service.default_table(session=db, actor=user)
        table_id = default.id if default else None
    o = service.occupation(session=db, actor=user, code=isco_code[:4] if len(isco_code) == 4 else "", table_id=table_id,
                           locale=i18n.get_locale())
    return render(request, "aiwork/occupation.html", {**CONTEXT, "o": o, "t": o["table"]})


# ---- upload ---------------------------------------------------------------------------------------------


def _upload_context(db: Session, user: User, values: dict, **extra) -> dict:
    return {**CONTEXT, "values": values, "enterprises": service.enterprises_for_plans(session=db, actor=user),
            "enterprise_bound": service.enterprise_bound(user), **extra}


@router.get("/upload")
def upload_page(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "aiwork.file")
    values = {"enterprise_id": str(user.scope_enterprise_id or "")}
    return render(request, "aiwork/upload.html", _upload_context(db, user, values))


def _problem_rows(failed: tabular.ImportFailed) -> list[dict]:
    cells = getattr(failed, "cells", None)
    if cells is None:
        return [{"row": p.row, "column": p.column, "message": p.text(_)} for p in failed.problems]
    return [{"row": c.row if isinstance(c.row, int) else 1, "column": c.column,
             "message": _(c.message) % c.params if c.params else _(c.message)} for c in cells]


@router.post("/upload")
def upload(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
           form: FormData = Depends(form_data)):
    """Check a file and show its preview; on confirmation store it whole (or nothing); the file is staged."""
    policy.require(user, "aiwork.file")
    values = {k: str(v)[:2000] for k, v in form.items() if isinstance(v, str)}
    upload_file = form.get("file")
    data, filename = b"", values.get("filename", "")[:200]
    if upload_file is not None and not isinstance(upload_file, str) and upload_file.filename:
        data, filename = upload_file.file.read(MAX_UPLOAD_BYTES + 1), upload_file.filename[:200]
    values["filename"] = filename
    return _upload_steps(request, db, user, values, data, filename)


def _upload_steps(request: Request, db: Session, user: User, values: dict, data: bytes, filename: str):
    """Parse, stage or store the upload (a plain def route: this runs in the threadpool)."""
    context = _upload_context(db, user, values)
    token = values.get("token", "") if not data else ""
    if not data and not token:
        return render(request, "aiwork/upload.html", {**context, "error": _("Choose a CSV or XLSX file.")},
                      status_code=422)
    if len(data) > MAX_UPLOAD_BYTES:
        return render(request, "aiwork/upload.html", {**context, "error": _("The file is larger than 30 MB.")},
                      status_code=422)
    enterprise = values.get("enterprise_id", "").strip()
    year = values.get("year", "").strip()
    try:
        meta = TableMeta.model_validate({
            "title": values.get("title", "").strip(), "source": values.get("source", "").strip(),
            "year": int(year) if year.isdigit() else None, "synthetic": values.get("synthetic") == "1",
            "enterprise_id": int(enterprise) if enterprise.isdigit() else None}, strict=False)
    except ValidationError as error:
        field = str(error.errors()[0]["loc"][0])
        message = _("Give the table a title and say where the figures come from (source).")
        return render(request, "aiwork/upload.html", {**context, "error": message, "error_field": field},
                      status_code=422)
    importer = service.employment_importer()
    unmatched = "drop" if values.get("unmatched") == "drop" else "refuse"
    options = {"enterprise_id": meta.enterprise_id, "meta": meta.model_dump(mode="json"), "unmatched": unmatched}
    data_dir = request.app.state.settings.data_dir

    def action():
        try:
            return _stage_check_store(request, db, user, context, importer, token, data, filename, unmatched, options,
                                      data_dir)
        except tabular.ImportFailed as failed:  # every bad cell is listed, not just the first
            db.rollback()
            return render(request, "aiwork/upload.html", {**context, "problems": _problem_rows(failed),
                                                          "total": failed.params.get("n", len(failed.problems))},
                          status_code=422)

    return forms.submit(db, action, done=lambda response: response, again=lambda message, field: render(
        request, "aiwork/upload.html", {**context, "error": message, "error_field": field}))


def _stage_check_store(request: Request, db: Session, user: User, context: dict, importer, token: str, data: bytes,
                       filename: str, unmatched: str, options: dict, data_dir):
    """Stage a new file, show its preview, or (on confirmation) check the staged file and store it whole."""
    from qorgau.core.imports.flow import commit, preview, stage

    if data:
        token = stage(actor=user, importer=importer, data=data, filename=filename, data_dir=data_dir)
    if context["values"].get("action") != "import":
        service.check_upload_allowed(db, user, options["enterprise_id"])
        parsed = service.parse_upload(data=data, filename=filename, unmatched=unmatched)
        return render(request, "aiwork/upload.html", {**context, "preview": service.preview(parsed), "token": token})
    checked = preview(session=db, actor=user, importer=importer, token=token, options=options, data_dir=data_dir)
    if checked.problems:
        db.rollback()
        return render(request, "aiwork/upload.html", {
            **context, "problems": [{"row": p.row, "column": p.column, "message": p.text(_)}
                                    for p in checked.problems], "total": len(checked.problems)},
            status_code=422)
    result = commit(session=db, actor=user, importer=importer, token=token, options=options, data_dir=data_dir)
    db.commit()
    return RedirectResponse(f"/aiwork/tables/{result['table_id']}", status_code=303)


# ---- retraining plans -------------------------------------------------------------------------------


@router.get("/plans")
def plans_page(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    found = service.plans(session=db, actor=user)
    names = {e.id: i18n.localized(e, "name") for e in registry.enterprises_by_ids(
        session=db, ids=[p.enterprise_id for p in found if p.enterprise_id])}
    return render(request, "aiwork/plans.html", {**CONTEXT, "plans": found, "names": names,
                                                  "people": service.plan_people,
                                                  "status_labels": workflow.STATUS_LABELS})


def _plan_form_context(db: Session, user: User, values: dict, codes: list[str]) -> dict:
    locale = i18n.get_locale()
    table_id = _table_param(values.get("table", ""))
    if table_id is None:
        default = service.default_table(session=db, actor=user,
                                        enterprise_id=_table_param(values.get("enterprise_id", "")))
        table_id = default.id if default else None
    table = service.get_table(session=db, actor=user, table_id=table_id) if table_id else None
    choices = service.exposed_occupations(session=db, actor=user, table_id=table_id, locale=locale) if table_id else []
    suggestions = service.suggest(session=db, actor=user, codes=codes, table_id=table_id, locale=locale) if codes else []
    for s in suggestions:
        gaps = s["pathways"][0].gaps[:4] if s["pathways"] else ()
        s["training"] = _("Course covering: %(skills)s", skills=", ".join(_(SKILL_LABELS.get(g.skill, g.skill))
                                                                          for g in gaps)) if gaps else ""
    return {**CONTEXT, "values": values, "codes": codes, "choices": choices, "suggestions": suggestions, "t": table,
            "table_id": table_id or "", "enterprises": service.enterprises_for_plans(session=db, actor=user),
            "today": date.today()}


def _codes(raw: list[str]) -> list[str]:
    codes = []
    for value in raw:
        codes += [c.strip() for c in value.replace(";", ",").split(",") if c.strip()]
    return list(dict.fromkeys(c[:4] for c in codes))[:10]


@router.get("/plans/new")
def new_plan(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    """Step 1: enterprise and exposed occupations; step 2 (with codes): ranked targets to fill the plan."""
    policy.require(user, "aiwork.file")
    values = {k: v[:200] for k, v in request.query_params.items() if k != "codes"}
    codes = _codes(request.query_params.getlist("codes"))
    # A code that is not an occupation: step 1 again, with the reason.
    return forms.submit(db, lambda: _plan_form_context(db, user, values, codes),
                        done=lambda context: render(request, "aiwork/plan_form.html", context),
                        again=lambda message, _field: render(request, "aiwork/plan_form.html", {
                            **_plan_form_context(db, user, values, []), "error": message}))


def _plan_from_form(values: dict, form_codes: list[str]) -> PlanIn:
    items = []
    for code in form_codes:
        people = values.get(f"people_{code}", "").strip()
        if not people or people == "0":
            continue
        items.append({"source_isco": code, "target_isco": values.get(f"target_{code}", ""),
                      "people": int(people) if people.isdigit() else -1,
                      "training": values.get(f"training_{code}", ""),
                      "start_on": values.get(f"start_{code}", ""), "end_on": values.get(f"end_{code}", "")})
    enterprise, table = values.get("enterprise_id", ""), values.get("table", "")
    return PlanIn.model_validate({
        "title": values.get("title", "").strip(), "notes": values.get("notes", ""),
        "enterprise_id": int(enterprise) if enterprise.isdigit() else None,
        "union_id": None, "table_id": int(table) if table.isdigit() else None, "items": items}, strict=False)


_FIELD_MESSAGES = {
    "title": N_("Give the plan a title."),
    "items": N_("Give the number of people for at least one occupation."),
    "people": N_("The number of people must be a whole number from 1 to 1,000,000."),
    "start_on": N_("Give the start date of the training."),
    "end_on": N_("Give the end date of the training."),
    "target_isco": N_("Choose a target occupation."),
}


@router.post("/plans/new")
def create_plan(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db),
                form: FormData = Depends(form_data)):
    policy.require(user, "aiwork.file")
    values = {k: str(v)[:2000] for k, v in form.items() if k != "codes"}
    codes = _codes([str(v) for v in form.getlist("codes")])

    def again(message: str, _field: str, status: int = 200):
        return render(request, "aiwork/plan_form.html", {**_plan_form_context(db, user, values, codes),
                                                          "error": message}, status_code=status)

    try:
        plan_in = _plan_from_form(values, codes)
    except ValidationError as error:  # the form's own shape, before anything is asked of the service
        return again(_form_problem(error), "", 422)

    def action():
        enterprise = plan_in.enterprise_id
        if enterprise is not None:
            found = registry.enterprise_by_id(session=db, enterprise_id=enterprise)
            if found is not None and access.can_reach_enterprise(db, user, enterprise):
                plan_in.union_id = found.primary_union_id if _union_visible(db, user, found.primary_union_id) else None
        plan = service.create_plan(session=db, actor=user, plan_in=plan_in)
        db.commit()
        return plan

    return forms.submit(db, action, again=again,
                        done=lambda plan: RedirectResponse(f"/aiwork/plans/{plan.id}", status_code=303))


def _form_problem(error: ValidationError) -> str:
    """The first problem of the plan form, in the reader's language (with the row of the plan it is on)."""
    loc = [str(p) for p in error.errors()[0]["loc"]]
    field = next((p for p in reversed(loc) if p in _FIELD_MESSAGES), loc[0])
    message = _(_FIELD_MESSAGES.get(field, N_("Check the plan: %(field)s is not valid.")), field=field)
    if loc[0] == "items" and len(loc) > 1 and loc[1].isdigit() and field != "items":
        message = _("Row %(n)s:", n=int(loc[1]) + 1) + " " + message
    return message


def _union_visible(db: Session, user: User, union_id: int | None) -> bool:
    if union_id is None:
        return False
    reach = access.reachable_union_ids(db, user)
    return reach is None or union_id in reach


@router.get("/plans/{aiwork_plan_id}")
def plan_page(request: Request, aiwork_plan_id: IdPath, user: User = Depends(require_user), db: Session = Depends(get_db)):
    return _plan_page(request, db, user, aiwork_plan_id)


def _plan_page(request: Request, db: Session, user: User, plan_id: int, error: str = "", error_field: str = "",
               values: dict | None = None):
    plan = service.get_plan(session=db, actor=user, plan_id=plan_id)
    locale = i18n.get_locale()
    titles = {code: reference.title(code, locale) for item in plan.items for code in (item.source_isco, item.target_isco)}
    enterprise = registry.enterprise_by_id(session=db, enterprise_id=plan.enterprise_id) if plan.enterprise_id else None
    workers = service.plan_workers(session=db, actor=user, plan_id=plan.id)
    return render(request, "aiwork/plan.html", {
        **CONTEXT, "plan": plan, "titles": titles, "enterprise": enterprise, "people": service.plan_people(plan),
        "classes_of": service.exposure_for_occupations(session=db, isco_codes=list(titles)),
        "status_labels": workflow.STATUS_LABELS, "move_labels": workflow.MOVE_LABELS,
        "moves": workflow.moves_for(user, plan), "workers": workers, "progress_labels": workflow.PROGRESS_LABELS,
        "progress_summary": workflow.progress_summary(workers),
        "may_record_progress": policy.allowed(user, "aiwork.plan_progress")
        and plan.status in workflow.WITH_WORKERS,
        "authors": workflow.step_authors(session=db, plan=plan),
        "error": error, "error_field": error_field or None, "values": values or {}})


@router.post("/plans/{aiwork_plan_id}/status")
def move_plan(request: Request, aiwork_plan_id: IdPath, status: str = Form(..., max_length=16),
              note: str = Form("", max_length=2000), signatory: str = Form("", max_length=200),
              signed_on: str = Form("", max_length=10), user: User = Depends(require_user),
              db: Session = Depends(get_db)):
    values = {"status": status, "note": note, "signatory": signatory, "signed_on": signed_on}

    def action():
        try:
            day = date.fromisoformat(signed_on) if signed_on else None
        except ValueError:
            raise ValidationFailed(N_("Enter the date as YYYY-MM-DD."), field="signed_on") from None
        service.move_plan(session=db, actor=user, plan_id=aiwork_plan_id, status=status, note=note,
                          signatory=signatory, signed_on=day)
        db.commit()

    return forms.submit(db, action, done=lambda _plan: RedirectResponse(f"/aiwork/plans/{aiwork_plan_id}", 303),
                        again=lambda message, field: _plan_page(request, db, user, aiwork_plan_id, message, field,
                                                                values))


@router.post("/plans/{aiwork_plan_id}/workers")
def record_worker(request: Request, aiwork_plan_id: IdPath, item_id: int = Form(..., ge=1, le=2_147_483_647),
                  reference_code: str = Form(..., alias="reference", max_length=40),
                  progress: str = Form(..., max_length=16), note: str = Form("", max_length=2000),
                  user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        service.record_worker_progress(session=db, actor=user, plan_id=aiwork_plan_id, item_id=item_id,
                                       reference=reference_code, progress=progress, note=note)
        db.commit()

    values = {"reference": reference_code, "progress": progress, "note": note}
    return forms.submit(db, action,
                        done=lambda _worker: RedirectResponse(f"/aiwork/plans/{aiwork_plan_id}#workers", 303),
                        again=lambda message, field: _plan_page(request, db, user, aiwork_plan_id, message, field,
                                                                values))
