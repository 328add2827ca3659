"""The enterprise's Safety Index card: a PDF in kk and ru with Kazakh letters, the data and a code that verifies;
a newer run of the same period makes it no longer current; a draft run's card stays inside the reader's scope."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

KAZAKH = "әғқңөұүһі"
NAMES = {"kk": "«Шаһизада Әлімғазы Төреңұлы Түлкібай Іңкәр Ақжол» ЖШС",
         "ru": "ТОО «Шаһизада Әлімғазы Төреңұлы Түлкібай Іңкәр Ақжол»"}


def _text_of(pdf: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def _published(session):
    from qorgau.index import service
    from qorgau.index.models import Score

    item = service.publications(session=session)[0]
    score = session.execute(select(Score).where(Score.run_id == item.run_id, Score.status == "ranked")
                            .order_by(Score.rank, Score.enterprise_id).limit(1)).scalar_one()
    return item, score


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_card_pdf_has_kazakh_letters_the_data_and_a_code_that_verifies(session, sign_in, client, language):
    from qorgau.core import documents, i18n

    item, score = _published(session)
    enterprise = score.enterprise
    enterprise.name_kk, enterprise.name_ru = NAMES["kk"], NAMES["ru"]
    session.commit()
    officer = sign_in("federation")  # national scope: every enterprise's card
    page = officer.get(f"/index/periods/{item.period}/enterprises/{enterprise.bin}")
    action = f"/index/runs/{item.run_id}/enterprises/{enterprise.id}/card.pdf"
    assert action in page.text
    response = officer.post(action, data={"language": language})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = _text_of(response.content)
    for letter in KAZAKH:
        assert letter in text, (letter, text[:400])
    assert NAMES[language] in text and enterprise.bin in text
    with i18n.locale_context(language):
        assert i18n.format_number(score.score, 1) in text
        assert i18n.format_number(score.score_p05, 1) in text and i18n.format_number(score.score_p95, 1) in text
    assert item.run.methodology_version in text and str(item.period) in text
    assert {"kk": "Дереккөз", "ru": "Источник"}[language] in text
    document = session.execute(select(documents.IssuedDocument).order_by(documents.IssuedDocument.id.desc())
                               .limit(1)).scalar_one()
    code = documents.format_code(document.code)
    assert code in text and document.kind == "index_card" and document.subject == NAMES[language]
    check = client.get(f"/verify/{code}", cookies={"lang": "en"})
    assert check.status_code == 200 and "Genuine and current" in check.text
    assert documents.check(session, code)["state"] == "current"


def test_a_newer_run_of_the_period_makes_the_card_no_longer_current(session, sign_in, client):
    from qorgau.core import documents
    from qorgau.core.models import User
    from qorgau.index import card, service

    item, score = _published(session)
    officer = session.execute(select(User).where(User.username == "federation")).scalar_one()
    kept = card.issue_card(session, actor=officer, run_id=item.run_id, enterprise_id=score.enterprise_id,
                           language="ru", public_url="https://qorgau.example")
    older = service.publications(session=session)[-1]
    other = card.issue_card(session, actor=officer, run_id=older.run_id, enterprise_id=score.enterprise_id,
                            language="kk", public_url="https://qorgau.example")
    session.commit()
    assert documents.check(session, kept.code)["state"] == "current"
    admin = session.execute(select(User).where(User.username == "admin")).scalar_one()
    service.run_period(session=session, actor=admin, period=item.period, runs=20)
    session.commit()
    result = documents.check(session, kept.code)
    assert result["state"] == "revoked" and "вычислен заново" in result["revoked_reason"]
    page = client.get(f"/verify/{documents.format_code(kept.code)}", cookies={"lang": "en"})
    assert page.status_code == 200 and "Genuine and current" not in page.text and "revoked" in page.text
    assert documents.check(session, other.code)["state"] == "current"  # another period's card stands


def test_draft_card_stays_in_scope_and_needs_sign_in(session, sign_in, client):
    from qorgau.core import documents
    from qorgau.core.db import utcnow
    from qorgau.core.models import User
    from qorgau.index.models import Run, Score

    draft = session.execute(select(Run).where(Run.period == utcnow().year).order_by(Run.id.desc()).limit(1)).scalar_one()
    employer = session.execute(select(User).where(User.username == "employer")).scalar_one()
    other = session.execute(select(Score.enterprise_id).where(Score.run_id == draft.id,
                                                              Score.enterprise_id != employer.scope_enterprise_id)
                            .limit(1)).scalar_one()
    before = session.execute(select(documents.IssuedDocument.id)).all()
    as_employer = sign_in("employer")
    assert as_employer.post(f"/index/runs/{draft.id}/enterprises/{other}/card.pdf",
                            data={"language": "ru"}).status_code in (403, 404)
    assert client.post(f"/index/runs/{draft.id}/enterprises/{other}/card.pdf",
                       data={"language": "ru"}).status_code != 200
    session.expire_all()
    assert session.execute(select(documents.IssuedDocument.id)).all() == before
    own = as_employer.post(f"/index/runs/{draft.id}/enterprises/{employer.scope_enterprise_id}/card.pdf",
                           data={"language": "kk"})
    assert own.status_code == 200 and own.content.startswith(b"%PDF")
    assert "жарияланбаған" in _text_of(own.content)
