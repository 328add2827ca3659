"""An inspector prints the notice of a violation in Kazakh and Russian; its code verifies publicly."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

KAZAKH_LETTERS = set("әғқңөұүі")  # һ is rare and not in this text


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_notice_in_kazakh_and_russian_with_a_code_that_verifies(session, sign_in, client):
    from qorgau.core.models import User
    from qorgau.deviations.models import Violation

    inspector_user = session.execute(select(User).where(User.username == "inspector")).scalar_one()
    violation = session.execute(select(Violation).where(Violation.enterprise_id == inspector_user.scope_enterprise_id)
                                .order_by(Violation.id)).scalars().first()
    assert violation is not None
    inspector = sign_in("inspector")
    page = inspector.get(f"/deviations/violations/{violation.id}")
    assert f"/deviations/violations/{violation.id}/notice.pdf" in page.text

    kk = inspector.post(f"/deviations/violations/{violation.id}/notice.pdf", data={"language": "kk"})
    assert kk.status_code == 200 and kk.headers["content-type"] == "application/pdf"
    text = _text(kk.content)
    assert "Еңбек қауіпсіздігі талаптарының бұзылуы туралы хабарлама" in text
    assert set(text.lower()) >= KAZAKH_LETTERS
    assert " ".join(violation.description.split()[:3]) in text and f"№ {violation.id}" in text
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", text).group(0)

    ru = inspector.post(f"/deviations/violations/{violation.id}/notice.pdf", data={"language": "ru"})
    assert "Уведомление о нарушении требований безопасности и охраны труда" in _text(ru.content)

    check = client.get(f"/verify/{code}")
    assert check.status_code == 200 and "violation_notice" not in check.text.split("<main")[0]
    assert client.get("/verify/0000-0000-0000").status_code == 404

    employer = sign_in("employer")
    assert employer.post(f"/deviations/violations/{violation.id}/notice.pdf", data={"language": "kk"}).status_code == 403
    assert inspector.post(f"/deviations/violations/{violation.id}/notice.pdf", data={"language": "de"}).status_code == 422
