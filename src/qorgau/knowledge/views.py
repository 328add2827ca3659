"""Pages of the best-practice database: the search (open to everyone, on a phone), a practice with its
versions, review steps and adoptions, the submission form, the review queue, the CSV export, and the
"how others fixed this" fragment other packages' pages load beside a case."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from qorgau.core import forms, i18n, policy
from qorgau.core.deps import form_data, get_db, load_user, require_user
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n import gettext as _
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.plugins import NavItem, Panel, PanelItem
from qorgau.core.tabular import download
from qorgau.core.templating import render
from qorgau.core.types import IdPath
from qorgau.knowledge import service
from qorgau.knowledge.models import (
    COST_BANDS,
    LANGUAGES,
    MOVES,
    OUTCOMES,
    SIZES,
    SOURCE_KINDS,
    STATUS_LABELS,
    Practice,
    Status,
)
from qorgau.knowledge.schemas import AdoptionIn, PracticeIn
from qorgau.registry import service as registry
from qorgau.registry.hazards import CATEGORIES

router = APIRouter(prefix="/knowledge")
NAV = [NavItem(N_("Best practices"), "/knowledge/", public=True)]
LANG_LABELS = {"kk": N_("Kazakh"), "ru": N_("Russian"), "en": N_("English")}
PARTS = {"title": N_("Title"), "problem": N_("Problem"), "action": N_("What was done"), "result": N_("Result")}
BESIDE_KINDS = ("violation", "report", "alarm", "accident", "filing")
LABELS = {"categories": CATEGORIES, "sizes": SIZES, "sources": SOURCE_KINDS, "cost_bands": COST_BANDS,
          "statuses": STATUS_LABELS, "outcomes": OUTCOMES, "lang_labels": LANG_LABELS, "parts": PARTS,
          "languages": LANGUAGES}
EXPORT_COLUMNS = ["key", "title", "languages", "category", "sector", "size", "cost_band", "country", "source_kind",
                  "source_title", "source_url", "licence", "published_version", "adopted_worked", "adopted_partly",
                  "adopted_did_not_work", "adopted_too_early", "synthetic"]


def home_panels(request: Request, db: Session, user: User) -> list[Panel]:
    if not policy.allowed(user, "knowledge.review"):
        return []
    waiting = [p for p in service.queue(session=db, actor=user) if p.status in service.REVIEW_QUEUE]
    items = [PanelItem(title_of(p), f"/knowledge/practices/{p.id}", _(STATUS_LABELS[p.status]), "warn")
             for p in waiting[:5]]
    return [Panel(title=_("Practices awaiting review"), order=60, figure=i18n.format_number(len(waiting)),
                  items=items, link="/knowledge/review", link_label=_("Review queue"),
                  empty=_("Nothing is waiting."))]


def title_of(practice: Practice) -> str:
    """The title in the reader's language, else in the first language the practice has."""
    titles = practice.title or {}
    locale = i18n.get_locale()
    return titles.get(locale) or next((titles[lang] for lang in LANGUAGES if lang in titles), practice.key)


def title_lang(practice: Practice) -> str:
    titles = practice.title or {}
    locale = i18n.get_locale()
    return locale if locale in titles else next((lang for lang in LANGUAGES if lang in titles), locale)


def _choice(value: str, allowed) -> str | None:
    return value if value in allowed else None


# ---- search ----------------------------------------------------------------------------------------


@router.get("/")
def search_page(request: Request, q: str = Query("", max_length=500), category: str = Query("", max_length=32),
                sector: str = Query("", max_length=1), size: str = Query("", max_length=8),
                source: str = Query("", max_length=16), mode: str = Query("combined", max_length=10),
                fmt: str = Query("", max_length=4), user: User | None = Depends(load_user),
                db: Session = Depends(get_db)):
    """Search the published practices in all languages (no sign-in needed)."""
    found = service.search(session=db, actor=user, query=q, mode=mode if mode in ("fulltext", "semantic") else
                           "combined", category=_choice(category, CATEGORIES), sector=sector or None,
                           size=_choice(size, SIZES), source=_choice(source, SOURCE_KINDS),
                           limit=500 if fmt == "csv" else 20)
    counts = service.adoption_counts(db, [p.id for p in found.practices])
    if fmt == "csv":
        rows = [[p.key, title_of(p), ",".join(sorted((p.title or {}).keys())), p.category, p.sector_code or "",
                 p.size, p.cost_band, p.country, p.source_kind, p.source_title, p.source_url, p.licence,
                 p.published_version, *(counts[p.id].get(o, 0) for o in OUTCOMES), p.synthetic]
                for p in found.practices]
        return download(EXPORT_COLUMNS, rows, "csv", "practices")
    sectors = [(s.code, i18n.localized(s, "name")) for s in registry.sectors(session=db)]
    return render(request, "knowledge/search.html", {
        "results": found.practices, "counts": counts, "q": q, "category": category, "sector": sector,
        "size": size, "source": source, "sectors": sectors, "sector_names": dict(sectors),
        "title_of": title_of, "title_lang": title_lang, "query": request.url.query,
        "can_submit": policy.allowed(user, "knowledge.submit"),
        "can_review": policy.allowed(user, "knowledge.review"), **LABELS})


# ---- one practice ----------------------------------------------------------------------------------


def _practice_context(db: Session, user: User | None, practice: Practice) -> dict:
    shown = service.shown_version(db, user, practice)
    texts = shown.data.get("texts") or {}
    locale = i18n.get_locale()
    order = [locale] + [lang for lang in LANGUAGES if lang != locale]
    may_edit = user is not None and policy.allowed(user, "knowledge.submit") and (
        practice.created_by == user.id or policy.allowed(user, "knowledge.review"))
    return {
        "practice": practice, "shown": shown, "texts": [(lang, texts[lang]) for lang in order if lang in texts],
        "figures": shown.data.get("figures") or [], "counts": service.adoption_counts(db, [practice.id])[practice.id],
        "adoptions": service.adoptions_seen(session=db, actor=user, practice=practice),
        "enterprises": service.enterprises_for_adoption(session=db, actor=user) if user else [],
        "sector_name": next((i18n.localized(s, "name") for s in registry.sectors(session=db)
                             if s.code == practice.sector_code), ""),
        "can_edit": may_edit and practice.status != Status.WITHDRAWN,
        "can_submit_it": may_edit and MOVES.allowed(practice.status, Status.SUBMITTED),
        "can_review": user is not None and policy.allowed(user, "knowledge.review")
        and practice.status == Status.SUBMITTED and practice.created_by != user.id,
        "can_publish": user is not None and policy.allowed(user, "knowledge.publish")
        and practice.status == Status.REVIEWED,
        "can_withdraw": user is not None and policy.allowed(user, "knowledge.publish")
        and practice.status != Status.WITHDRAWN,
        "is_public": practice.published_version is not None and practice.status != Status.WITHDRAWN,
        "today": date.today().isoformat(), "title_of": title_of, **LABELS}


@router.get("/practices/{practice_id}")
def practice_page(request: Request, practice_id: IdPath, user: User | None = Depends(load_user),
                  db: Session = Depends(get_db)):
    practice = service.get(session=db, actor=user, practice_id=practice_id)
    return render(request, "knowledge/practice.html", _practice_context(db, user, practice))


def _on_practice(request: Request, db: Session, user: User, practice_id: int, action) -> Response:
    """Run a step on the practice and go back to it; on a refusal show the practice again with the reason."""
    def again(message: str, field: str) -> Response:
        practice = service.get(session=db, actor=user, practice_id=practice_id)
        return render(request, "knowledge/practice.html", {**_practice_context(db, user, practice),
                                                           "error": message, "error_field": field})

    return forms.submit(db, lambda: _saved(db, action()), done=lambda _result: _back(practice_id), again=again)


def _saved(db: Session, result):
    db.commit()
    return result


def _back(practice_id: int) -> RedirectResponse:
    return RedirectResponse(f"/knowledge/practices/{practice_id}", status_code=303)


@router.post("/practices/{practice_id}/submit")
def submit_post(request: Request, practice_id: IdPath, user: User = Depends(require_user),
                db: Session = Depends(get_db)):
    return _on_practice(request, db, user, practice_id,
                        lambda: service.submit(session=db, actor=user, practice_id=practice_id))


@router.post("/practices/{practice_id}/decide")
def decide_post(request: Request, practice_id: IdPath, form: FormData = Depends(form_data),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    """A review step: `step` is "review" (first) or "publish" (second); `decision` approve or return."""
    step, decision, note = str(form.get("step", "")), str(form.get("decision", "")), str(form.get("note", ""))[:2000]
    def action():
        if decision not in ("approve", "return"):
            raise ValidationFailed(N_("Choose a decision."), field="decision")
        if step == "publish":
            return service.publish(session=db, actor=user, practice_id=practice_id, decision=decision, note=note)
        if step == "withdraw":
            return service.withdraw(session=db, actor=user, practice_id=practice_id, note=note)
        return service.review(session=db, actor=user, practice_id=practice_id, decision=decision, note=note)

    return _on_practice(request, db, user, practice_id, action)


@router.post("/practices/{practice_id}/adopt")
def adopt_post(request: Request, practice_id: IdPath, form: FormData = Depends(form_data),
               user: User = Depends(require_user), db: Session = Depends(get_db)):
    def action():
        values: dict = {"enterprise_id": _number(form.get("enterprise_id"), "enterprise_id", whole=True),
                        "adopted_on": str(form.get("adopted_on", "")), "outcome": str(form.get("outcome", "")),
                        "result": str(form.get("result", "")).strip(), "measure": str(form.get("measure", "")).strip(),
                        "unit": str(form.get("unit", "")).strip(),
                        "before": _number(form.get("before"), "before"), "after": _number(form.get("after"), "after")}
        return service.adopt(session=db, actor=user, practice_id=practice_id,
                             adoption_in=_validated(AdoptionIn, values))

    return _on_practice(request, db, user, practice_id, action)


@router.post("/practices/{practice_id}/attachments")
def attach_post(request: Request, practice_id: IdPath, form: FormData = Depends(form_data),
                user: User = Depends(require_user), db: Session = Depends(get_db)):
    upload = form.get("file")
    stream = getattr(upload, "file", None)
    content = stream.read(service.MAX_ATTACHMENT + 1) if stream is not None else b""
    return _on_practice(request, db, user, practice_id, lambda: service.add_attachment(
        session=db, actor=user, practice_id=practice_id, filename=getattr(upload, "filename", "") or "",
        content_type=getattr(upload, "content_type", "") or "", content=content))


@router.get("/attachments/{practice_attachment_id}")
def attachment_get(practice_attachment_id: IdPath, user: User | None = Depends(load_user),
                   db: Session = Depends(get_db)):
    attachment = service.get_attachment(session=db, actor=user, attachment_id=practice_attachment_id)
    return Response(attachment.content, media_type=attachment.content_type, headers={
        "Content-Disposition": f'attachment; filename="attachment-{attachment.id}'
                               f'{service.ATTACHMENT_TYPES[attachment.content_type]}"',
        "X-Content-Type-Options": "nosniff"})


# ---- the submission form ---------------------------------------------------------------------------


def _number(value, field: str, *, whole: bool = False):
    text = str(value or "").strip().replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ValidationFailed(N_("Enter a number."), field=field) from None
    if whole:
        if not number.is_integer():
            raise ValidationFailed(N_("Enter a whole number."), field=field)
        return int(number)
    return number


def _validated(model, values: dict):
    try:
        return model.model_validate(values, strict=False)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(p) for p in first["loc"]) or "form"
        raise ValidationFailed(N_("Please check this field: %(field)s."), field=location,
                               params={"field": location}) from None


def form_to_practice(form: FormData) -> PracticeIn:
    texts = {}
    for lang in LANGUAGES:
        parts = {part: str(form.get(f"{lang}_{part}", "")).strip() for part in PARTS}
        if any(parts.values()):
            texts[lang] = parts
    if not texts:
        raise ValidationFailed(N_("Write the practice in at least one language."), field="kk_title")
    figures = []
    measure = str(form.get("measure", "")).strip()
    before, after = _number(form.get("before"), "before"), _number(form.get("after"), "after")
    if measure or before is not None or after is not None:
        if not measure or before is None or after is None:
            raise ValidationFailed(N_("A figure needs what it measures, the value before and the value after."),
                                   field="measure")
        figures.append({"measure": measure, "unit": str(form.get("unit", "")).strip(), "before": before,
                        "after": after})
    values = {"category": str(form.get("category", "")), "sector_code": str(form.get("sector_code", "")) or None,
              "size": str(form.get("size", "any")), "cost_band": str(form.get("cost_band", "unknown")),
              "country": str(form.get("country", "KZ")).strip().upper() or "KZ",
              "source_kind": str(form.get("source_kind", "enterprise_kz")),
              "source_title": str(form.get("source_title", "")).strip(),
              "source_url": str(form.get("source_url", "")).strip(), "licence": str(form.get("licence", "")).strip(),
              "enterprise_id": _number(form.get("enterprise_id"), "enterprise_id", whole=True),
              "texts": texts, "figures": figures, "change_note": str(form.get("change_note", "")).strip()}
    return _validated(PracticeIn, values)


def practice_to_form(practice: Practice, data: dict) -> dict:
    values = {name: getattr(practice, name) or "" for name in (
        "category", "sector_code", "size", "cost_band", "country", "source_kind", "source_title", "source_url",
        "licence", "enterprise_id")}
    for lang, texts in (data.get("texts") or {}).items():
        for part, text in texts.items():
            values[f"{lang}_{part}"] = text
    if data.get("figures"):
        values.update({k: data["figures"][0][k] for k in ("measure", "unit", "before", "after")})
    return values


def _form(request: Request, db: Session, user: User, values: dict, action: str, practice: Practice | None = None,
          *, error: str = "", error_field: str = "") -> Response:
    sectors = [(s.code, i18n.localized(s, "name")) for s in registry.sectors(session=db)]
    context = {"values": values, "action": action, "practice": practice, "sectors": sectors,
               "enterprises": service.enterprises_for_submission(session=db, actor=user), **LABELS}
    if error:
        context |= {"error": error, "error_field": error_field}
    return render(request, "knowledge/form.html", context)


@router.get("/new")
def new_form(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    policy.require(user, "knowledge.submit")
    return _form(request, db, user, {"size": "any", "cost_band": "unknown", "country": "KZ",
                                     "source_kind": "enterprise_kz"}, "/knowledge/new")


@router.post("/new")
def new_post(request: Request, form: FormData = Depends(form_data), user: User = Depends(require_user),
             db: Session = Depends(get_db)):
    return forms.submit(db, lambda: _saved(db, service.create(session=db, actor=user,
                                                              practice_in=form_to_practice(form))),
                        done=lambda practice: _back(practice.id),
                        again=lambda message, field: _form(request, db, user, dict(form), "/knowledge/new",
                                                           error=message, error_field=field))


@router.get("/practices/{practice_id}/edit")
def edit_form(request: Request, practice_id: IdPath, user: User = Depends(require_user),
              db: Session = Depends(get_db)):
    policy.require(user, "knowledge.submit")
    practice = service.get(session=db, actor=user, practice_id=practice_id)
    values = practice_to_form(practice, service.version(db, practice).data)
    return _form(request, db, user, values, f"/knowledge/practices/{practice.id}/edit", practice)


@router.post("/practices/{practice_id}/edit")
def edit_post(request: Request, practice_id: IdPath, form: FormData = Depends(form_data),
              user: User = Depends(require_user), db: Session = Depends(get_db)):
    return forms.submit(db, lambda: _saved(db, service.revise(session=db, actor=user, practice_id=practice_id,
                                                              practice_in=form_to_practice(form))),
                        done=lambda _practice: _back(practice_id),
                        again=lambda message, field: _form(
                            request, db, user, dict(form), f"/knowledge/practices/{practice_id}/edit",
                            service.get(session=db, actor=user, practice_id=practice_id), error=message,
                            error_field=field))


@router.get("/review")
def review_queue(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    return render(request, "knowledge/queue.html", {"practices": service.queue(session=db, actor=user),
                                                    "title_of": title_of, **LABELS})


# ---- "how others fixed this" -----------------------------------------------------------------------


@router.get("/beside/{kind}/{object_id}")
def beside(request: Request, kind: str, object_id: IdPath, user: User = Depends(require_user),
           db: Session = Depends(get_db)):
    """The closest published practices to a case held by another package (an HTML fragment)."""
    if kind not in BESIDE_KINDS:
        return Response(status_code=404)
    text, category = service.case_of(session=db, actor=user, kind=kind, object_id=object_id)
    practices = service.similar(session=db, actor=user, text=text, category=category)
    return render(request, "knowledge/_beside.html", {"practices": practices, "title_of": title_of,
                                                      "title_lang": title_lang, **LABELS})
