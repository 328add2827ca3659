"""Printable documents: a Jinja template rendered to PDF (WeasyPrint), each with a verification code
and a QR code that opens the public check page.

Any package issues a document with `issue(...)` (certificates, accident acts, violation notices, audit
reports): the PDF is stored with its SHA-256, its subject, the day it stops being current and whether it
was revoked. `/verify/<code>` (no sign-in) answers whether a code belongs to a genuine document and
whether that document is still current; it shows the subject and dates, never the document's body.

Documents are typeset in DejaVu (found by fontconfig), which has every Kazakh letter
(ә ғ қ ң ө ұ ү һ і); the stylesheet names it first.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.core import audit, i18n
from qorgau.core.db import utcnow
from qorgau.core.deps import get_db, load_user
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import DocumentState, IssuedDocument, User  # the table sits with core's others
from qorgau.core.templating import env, render

# Crockford's base32 without the letters that read like digits; 12 symbols = 60 random bits.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12


STATE_LABELS = {
    DocumentState.current: N_("Genuine and current"),
    DocumentState.expired: N_("Genuine, but no longer valid (expired)"),
    DocumentState.revoked: N_("Genuine, but revoked"),
}


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """XXXX-XXXX-XXXX, as printed."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str) -> str:
    """What a person typed (any case, dashes, spaces, O for 0, I/L for 1) as a stored code, or ''."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return ""
    return cleaned


def public_base(request: Request) -> str:
    """The platform's address as seen from outside: QORGAU_PUBLIC_URL, else the address of this request."""
    configured = getattr(request.app.state.settings, "public_url", "")
    return (configured or str(request.base_url)).rstrip("/")


def verify_path(code: str) -> str:
    return f"/verify/{format_code(code)}"


def qr_svg_data_uri(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def render_pdf(template: str, context: dict, *, language: str, base_url: str = "") -> bytes:
    """The template rendered in `language` and typeset by WeasyPrint."""
    from weasyprint import HTML

    with i18n.locale_context(language):
        html = env.get_template(template).render({"locale": language, **context})
    return HTML(string=html, base_url=base_url or None).write_pdf()


@dataclass
class Issued:
    document: IssuedDocument
    pdf: bytes


def issue(session: Session, *, kind: str, title: str, subject: str, template: str, context: dict,
          language: str, public_url: str, valid_until: date | None = None, enterprise_id: int | None = None,
          object_type: str = "", object_id: str = "", issued_by: str = "") -> Issued:
    """Render, fingerprint and store a document. `public_url` is the platform's address as seen from
    outside (e.g. https://qorgau.kz); the QR code and the printed link point to its check page."""
    if language not in i18n.LOCALES:
        raise ValidationFailed(N_("Unknown language."), field="language")
    while True:
        code = new_code()
        if session.execute(select(IssuedDocument.id).where(IssuedDocument.code == code)).first() is None:
            break
    check_url = public_url.rstrip("/") + verify_path(code)
    issued_at = utcnow()
    pdf = render_pdf(template, {**context, "document": {
        "code": format_code(code), "check_url": check_url, "qr": qr_svg_data_uri(check_url),
        "issued_at": issued_at, "valid_until": valid_until, "title": title, "subject": subject}},
        language=language)
    document = IssuedDocument(kind=kind, code=code, title=title[:300], subject=subject[:300],
                              enterprise_id=enterprise_id, object_type=object_type[:64], object_id=str(object_id)[:64],
                              language=language, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), content=pdf,
                              issued_at=issued_at, issued_by=issued_by[:80], valid_until=valid_until)
    session.add(document)
    session.flush()
    audit.record(session, action="document_issued", object_type="core_document", object_id=document.id,
                 after={"kind": kind, "code": code, "subject": subject[:300], "sha256": document.sha256})
    return Issued(document, pdf)


def state_of(document: IssuedDocument, today: date | None = None) -> DocumentState:
    today = today or utcnow().date()
    if document.revoked_at is not None:
        return DocumentState.revoked
    if document.valid_until is not None and document.valid_until < today:
        return DocumentState.expired
    return DocumentState.current


def find(session: Session, code_text: str) -> IssuedDocument | None:
    code = normalise_code(code_text)
    if not code:
        return None
    return session.execute(select(IssuedDocument).where(IssuedDocument.code == code)).scalar_one_or_none()


def check(session: Session, code_text: str, today: date | None = None) -> dict:
    """The public answer for a code: {"found": False} or what the check page shows."""
    document = find(session, code_text)
    if document is None:
        return {"found": False}
    state = state_of(document, today)
    return {"found": True, "state": state.value, "code": format_code(document.code), "kind": document.kind,
            "title": document.title, "subject": document.subject, "issued_on": document.issued_at.date(),
            "valid_until": document.valid_until, "revoked_on": document.revoked_at.date() if document.revoked_at
            else None, "revoked_reason": document.revoked_reason, "sha256": document.sha256}


def revoke(session: Session, *, document: IssuedDocument, reason: str) -> IssuedDocument:
    """Withdraw a document (the caller checks who may). The check page then says it is revoked."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(N_("Give a reason."), field="reason")
    if document.revoked_at is None:
        document.revoked_at = utcnow()
        document.revoked_reason = reason[:300]
        session.flush()
        audit.record(session, action="document_revoked", object_type="core_document", object_id=document.id,
                     reason=reason[:300])
    return document


def pdf_response(document: IssuedDocument, filename: str) -> Response:
    return Response(document.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


# The public check page and its JSON twin (no sign-in).
router = APIRouter()


@router.get("/verify")
def verify_form(request: Request, code: str = Query("", max_length=40), db: Session = Depends(get_db),
                user: User | None = Depends(load_user)):
    if code:
        normal = normalise_code(code)
        if normal:
            return RedirectResponse(verify_path(normal), status_code=303)
        return render(request, "document_verify.html", {"result": {"found": False}, "code": code,
                                                        "labels": STATE_LABELS}, status_code=404)
    return render(request, "document_verify.html", {"result": None, "code": "", "labels": STATE_LABELS})


@router.get("/verify/{code}")
def verify_page(request: Request, code: str, db: Session = Depends(get_db), user: User | None = Depends(load_user)):
    result = check(db, code[:40])
    return render(request, "document_verify.html", {"result": result, "code": code[:40], "labels": STATE_LABELS},
                  status_code=200 if result["found"] else 404)


api_router = APIRouter()


@api_router.get("/verify/{code}")
def verify_json(code: str, db: Session = Depends(get_db)):
    """Whether a document code is genuine and current (public; no personal data beyond the printed subject)."""
    result = check(db, code[:40])
    if not result["found"]:
        raise NotFound(N_("No document has this code."))
    return result
