"""The receipt holder is never locked out: wrong codes are counted per first four digits and day, and a
prefix under attack asks for a proof of work (or, without JavaScript, a short wait), never a refusal."""

from __future__ import annotations

import pytest


def _file(client) -> str:
    body = {"kind": "hazard", "enterprise_id": 1, "category": "ppe", "language": "ru",
            "description": "В цехе нет касок для новых рабочих, выдают одну на смену."}
    response = client.post("/api/v1/speaks/public/reports", json=body)
    assert response.status_code == 201, response.text
    return response.json()["receipt"].replace(" ", "")


@pytest.fixture
def limits(monkeypatch):
    from qorgau.core.config import get_settings

    monkeypatch.setenv("QORGAU_SPEAKS_RECEIPT_FREE_FAILURES", "5")
    monkeypatch.setenv("QORGAU_SPEAKS_RECEIPT_POW_BITS", "8")
    monkeypatch.setenv("QORGAU_SPEAKS_RECEIPT_WAIT_SECONDS", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _follow(client, receipt, **extra):
    return client.post("/api/v1/speaks/public/follow", json={"receipt": receipt, **extra})


def test_junk_from_anyone_never_locks_out_the_right_receipt(client, limits):
    from qorgau.speaks import proof_of_work

    receipt = _file(client)
    other = "9" if receipt[0] != "9" else "8"
    # Thirty junk codes with other first digits (soon challenged themselves): the worker is asked nothing.
    junk = [_follow(client, f"{other}{n:015d}").status_code for n in range(30)]
    assert junk == [404] * 5 + [429] * 25
    assert _follow(client, receipt).status_code == 200
    # Junk aimed at the worker's own first four digits: the worker is asked for a proof of work ...
    for n in range(6):
        _follow(client, receipt[:4] + f"{n:012d}")
    asked = _follow(client, receipt)
    assert asked.status_code == 429
    params = asked.json()["error"]["challenge"]
    challenge = params["token"]
    proof = proof_of_work.solve(challenge, params["bits"])
    assert _follow(client, receipt, challenge=challenge, proof=proof).status_code == 200
    # A challenge works once, and never for other digits.
    assert _follow(client, receipt, challenge=challenge, proof=proof).status_code == 429
    fresh = _follow(client, receipt).json()["error"]["challenge"]
    assert _follow(client, f"{other}{99:015d}", challenge=fresh["token"],  # junk digits, also under attack
                   proof=proof_of_work.solve(fresh["token"], fresh["bits"])).status_code == 429


def test_without_javascript_the_worker_waits_and_sends_again(client, limits):
    receipt = _file(client)
    for n in range(6):
        _follow(client, receipt[:4] + f"{n:012d}")
    client.get("/speak/follow")
    token = client.cookies.get("qorgau_csrf")
    page = client.post("/speak/follow", data={"csrf_token": token, "receipt": receipt})
    assert page.status_code == 429 and 'name="challenge"' in page.text and "receipt-challenge.js" in page.text
    challenge = page.text.split('name="challenge" value="')[1].split('"')[0]
    # The form comes back with the code filled in; sent again after the wait (0 s here), it opens.
    again = client.post("/speak/follow", data={"csrf_token": token, "receipt": receipt, "challenge": challenge})
    assert again.status_code == 200 and "WS-" in again.text
    # Replying from the thread needs nothing more: the page carries a pass for these digits.
    reply_pass = again.text.split('name="challenge" value="')[1].split('"')[0]
    sent = client.post("/speak/follow/reply", data={"csrf_token": token, "receipt": receipt,
                                                    "challenge": reply_pass, "body": "Каски так и не выдали."})
    assert sent.status_code == 200 and "Каски так и не выдали." in sent.text


def test_guesses_without_an_answer_cost_no_argon2(client, limits, monkeypatch):
    from qorgau.speaks import service

    receipt = _file(client)
    for n in range(6):
        _follow(client, receipt[:4] + f"{n:012d}")
    calls = []
    original = service.receipt_digest
    monkeypatch.setattr(service, "receipt_digest", lambda code: calls.append(code) or original(code))
    for n in range(10):
        assert _follow(client, receipt[:4] + f"{n + 100:012d}").status_code == 429
    assert calls == []


def test_the_counters_keep_no_time(client, limits, session):
    from sqlalchemy import select

    from qorgau.speaks.models import ReceiptFailure

    _follow(client, "1234" + "0" * 12)
    row = session.execute(select(ReceiptFailure)).scalar_one()
    assert (row.prefix, row.failures) == ("1234", 1)
    assert {c.name for c in ReceiptFailure.__table__.columns} == {"id", "prefix", "day", "failures"}
