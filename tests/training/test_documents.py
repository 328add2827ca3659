"""Printable documents: PDF with Kazakh text that extracts back, code and QR, public check page."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

KAZAKH = "әғқңөұүһі"


def _text_of(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_certificate_pdf_carries_kazakh_letters_data_and_a_code_that_verifies(session, language):
    from qorgau.core import documents
    from qorgau.training import catalogue
    from qorgau.training.models import Completion

    course = next(c for c in catalogue.load(session) if c.key == "inspectors-school")
    name = "Шаһизада Әлімғазықызы Төреңұлы-Түлкібаева Іңкәр"  # every Kazakh letter, in lower case
    completion = Completion(course_id=course.id, enterprise_id=1, person_name=name, title=course.title_ru,
                            completed_on=date.today(), valid_until=date.today() + timedelta(days=1095),
                            inspector_cycle=True, source="platform", score=93)
    session.add(completion)
    session.flush()
    from qorgau.training.service import issue_certificate

    document = issue_certificate(session, completion=completion, course_row=course, language=language,
                                 public_url="https://qorgau.example", issued_by="test")
    session.commit()
    text = _text_of(document.content)
    flat = " ".join(text.split())
    for letter in KAZAKH:
        assert letter in flat, (letter, flat[:400])
    assert name in flat
    assert getattr(course, "title_" + language) in flat
    assert documents.format_code(document.code) in flat
    assert "https://qorgau.example/verify/" + documents.format_code(document.code) in flat.replace(" ", "")
    assert "93%" in flat
    assert {"kk": "Оқу сертификаты", "ru": "Сертификат об обучении"}[language] in flat
    import hashlib

    assert hashlib.sha256(document.content).hexdigest() == document.sha256
    assert documents.check(session, documents.format_code(document.code).lower())["state"] == "current"


def test_check_page_says_genuine_expired_revoked_and_unknown(session, client):
    from qorgau.core import documents

    issued = documents.issue(session, kind="test", title="Акт", subject="Қызметкер", template="training/certificate.html",
                             context={"completion": _FakeCompletion(), "course": _FakeCourse(), "enterprise_name": "Ə",
                                      "course_title": "Курс", "outline": []},
                             language="kk", public_url="http://x", valid_until=date.today() - timedelta(days=1))
    session.commit()
    code = documents.format_code(issued.document.code)
    page = client.get(f"/verify/{code}?lang=en")
    assert page.status_code == 200 and 'data-state="expired"' in page.text and "Қызметкер" in page.text
    documents.revoke(session, document=issued.document, reason="Issued by mistake")
    session.commit()
    page = client.get(f"/verify/{code}?lang=ru")
    assert 'data-state="revoked"' in page.text and "Issued by mistake" in page.text
    assert client.get(f"/api/v1/documents/verify/{code}").json()["state"] == "revoked"
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    missing = client.get(f"/verify/{wrong}")
    assert missing.status_code == 404 and 'data-state="unknown"' in missing.text
    assert client.get("/verify?code=not-a-code").status_code == 404
    assert client.get(f"/api/v1/documents/verify/{wrong}").status_code == 404
    # Typed sloppily: lower case, spaces, O for zero.
    typed = client.get("/verify", params={"code": code.lower().replace("-", " ").replace("0", "o")},
                       follow_redirects=False)
    assert typed.status_code == 303 and typed.headers["location"] == f"/verify/{code}"


class _FakeCompletion:
    person_name = "Сәуле"
    completed_on = date.today()
    score = None


class _FakeCourse:
    hours = 2


@given(st.text(alphabet=st.sampled_from(list("0123456789ABCDEFGHJKMNPQRSTVWXYZ")), min_size=12, max_size=12))
def test_printed_codes_read_back(code):
    from qorgau.core import documents

    assert documents.normalise_code(documents.format_code(code)) == code
    assert documents.normalise_code(" " + documents.format_code(code).lower() + " ") == code


@given(st.text(max_size=20))
def test_anything_else_is_no_code_or_a_valid_one(text):
    from qorgau.core import documents

    normal = documents.normalise_code(text)
    assert normal == "" or (len(normal) == 12 and all(ch in documents.ALPHABET for ch in normal))
