"""The Safety Index on the database, end to end through the API and the pages (SQLite and PostgreSQL):
a methodology change is two logged steps, a run names its version and seed, publication is a dated act,
an enterprise with too little data is listed, not ranked, and a moderated reply shows beside the score."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

# Only indicators the registry provides, so the test does not depend on other packages' demo data:
# every enterprise has safety_committee; union_presence only where a primary union with members is
# registered; speaks_response_rate only where workers reported. Two of three are needed to be ranked.
TEST_METHOD = """
version: "test-registry-1"
title: {en: Registry-only test index, ru: Тестовый индекс, kk: Сынақ индексі}
min_coverage: 0.6
pillars:
  - {id: voice, weight: 2, label: {en: Voice, ru: Голос, kk: Үн}}
  - {id: prevention, weight: 1, label: {en: Prevention, ru: Профилактика, kk: Алдын алу}}
indicators:
  - id: union_presence
    pillar: voice
    direction: higher_is_better
    normalisation: {method: goalposts, worst: 0, best: 100}
    weight: 2
    source: registry
  - id: speaks_response_rate
    pillar: voice
    direction: higher_is_better
    normalisation: {method: goalposts, worst: 0, best: 100}
    weight: 1
    source: speaks
  - id: safety_committee
    pillar: prevention
    direction: higher_is_better
    normalisation: {method: goalposts, worst: 0, best: 1}
    weight: 1
    source: registry
uncertainty:
  runs: 200
  weights: {method: uniform, spread: 0.5}
  normalisation: [nominal, minmax, rank]
  aggregation: [arithmetic, geometric]
"""
YEAR = 2026


def _approve_test_method(officer, admin) -> dict:
    proposed = officer.post("/api/v1/index/methodologies", json={"yaml_text": TEST_METHOD,
                                                                   "note": "Registry indicators only, for the test."})
    assert proposed.status_code == 201, proposed.text
    body = proposed.json()
    assert body["status"] == "proposed" and body["version"] == "test-registry-1"
    return body


def _run_and_publish(admin, period: int = YEAR) -> dict:
    run = admin.post("/api/v1/index/runs", json={"period": period, "seed": 11, "runs": 200})
    assert run.status_code == 201, run.text
    published = admin.post(f"/api/v1/index/runs/{run.json()['id']}/publish", json={"statement": "Test publication."})
    assert published.status_code == 201, published.text
    return run.json()


def test_methodology_change_is_two_logged_steps_and_scores_name_their_version(client, sign_in, session):
    from qorgau.core.models import AuditEntry

    officer, admin = sign_in("federation"), sign_in("admin")
    before = client.get("/api/v1/index/methodology").json()
    assert before["version"] == "1.2" and before["status"] == "approved"
    proposal = _approve_test_method(officer, admin)

    # Proposed is not in force; the public cannot see the proposal; its author cannot approve it.
    assert client.get("/api/v1/index/methodology").json()["version"] == "1.2"
    assert client.get(f"/api/v1/index/methodologies/{proposal['id']}").status_code == 404
    own = officer.post(f"/api/v1/index/methodologies/{proposal['id']}/review", json={"decision": "approve"})
    assert own.status_code == 422
    assert sign_in("employer").post(f"/api/v1/index/methodologies/{proposal['id']}/review",
                                    json={"decision": "approve"}).status_code == 403
    # Versions never change: the same version cannot be proposed twice.
    again = officer.post("/api/v1/index/methodologies", json={"yaml_text": TEST_METHOD, "note": "again"})
    assert again.status_code == 409
    broken = officer.post("/api/v1/index/methodologies",
                          json={"yaml_text": "version: x\nindicators:\n  - {id: a, wieght: 2}\n", "note": "typo"})
    assert broken.status_code == 422 and "wieght" in broken.json()["error"]["message"]

    approved = admin.post(f"/api/v1/index/methodologies/{proposal['id']}/review",
                          json={"decision": "approve", "note": "Checked."})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert admin.post(f"/api/v1/index/methodologies/{proposal['id']}/review",
                      json={"decision": "reject", "note": "late"}).status_code == 409
    assert client.get("/api/v1/index/methodology").json()["version"] == "test-registry-1"

    run = _run_and_publish(admin)
    assert run["methodology_version"] == "test-registry-1" and run["seed"] == 11 and run["runs"] == 200
    ranking = client.get(f"/api/v1/index/periods/{YEAR}/scores").json()
    assert ranking["methodology_version"] == "test-registry-1"
    # Periods published by the demo keep the version they were computed with.
    older = client.get(f"/api/v1/index/periods/{YEAR - 1}/scores").json()
    assert older["methodology_version"] == "1.2"

    actions = set(session.execute(select(AuditEntry.action).where(
        AuditEntry.object_type.in_(("index_methodology", "index_run", "index_publication")))).scalars())
    assert {"propose", "approve", "compute", "publish"} <= actions
    page = client.get(f"/index/methodologies/{proposal['id']}", cookies={"lang": "en"}).text
    assert "Registry-only test index" in page and "Checked." in page


def test_run_publish_and_public_ranking_with_intervals_and_insufficient_data(client, sign_in):
    officer, admin = sign_in("federation"), sign_in("admin")
    proposal = _approve_test_method(officer, admin)
    admin.post(f"/api/v1/index/methodologies/{proposal['id']}/review", json={"decision": "approve"})
    run = admin.post("/api/v1/index/runs", json={"period": YEAR, "seed": 11, "runs": 200}).json()
    assert run["ranked"] > 3 and run["insufficient"] > 3, run
    # Not public before publication.
    assert client.get(f"/api/v1/index/periods/{YEAR}/scores").status_code == 404
    assert client.get(f"/index/periods/{YEAR}").status_code == 404
    published = admin.post(f"/api/v1/index/runs/{run['id']}/publish", json={"statement": "Test publication."}).json()
    assert published["period"] == YEAR and published["published_on"]

    ranking = client.get(f"/api/v1/index/periods/{YEAR}/scores?lang=en").json()
    ranked = [i for i in ranking["items"] if i["status"] == "ranked"]
    insufficient = [i for i in ranking["items"] if i["status"] == "insufficient_data"]
    assert len(ranked) == run["ranked"] and len(insufficient) == run["insufficient"]
    assert [i["rank"] for i in ranked] == sorted(i["rank"] for i in ranked)
    for item in ranked:
        assert 0 <= item["score"] <= 100
        assert item["rank_p05"] <= item["rank_median"] <= item["rank_p95"]
        assert item["coverage"] >= 0.6
    assert any(i["rank_p95"] > i["rank_p05"] for i in ranked), "uncertain weights must widen some intervals"
    for item in insufficient:
        assert item["score"] is None and item["rank"] is None and item["rank_p05"] is None
        assert item["coverage"] < 0.6

    page = client.get(f"/index/periods/{YEAR}", cookies={"lang": "en"})
    assert page.status_code == 200
    text = page.text
    assert "Test publication." in text and "test-registry-1" in text
    first = ranked[0]
    assert first["name"] in text
    low, high = int(first["rank_p05"]), int(first["rank_p95"])
    assert f"{low}–{high}" in text, "the rank interval is printed"
    assert "error_y" in text and "/static/vendor/plotly-basic.min.js" in text, "intervals are drawn as error bars"
    insufficient_part = text.split('id="insufficient"')[1]
    assert insufficient[0]["name"] in insufficient_part
    ranked_table = text.split('id="ranking"')[1].split('id="insufficient"')[0]
    assert insufficient[0]["name"] not in ranked_table, "an insufficient-data enterprise is not in the ranking"

    # The insufficient enterprise's own page says so and shows no rank.
    detail = client.get(f"/api/v1/index/periods/{YEAR}/enterprises/{insufficient[0]['bin']}").json()
    assert detail["score"]["status"] == "insufficient_data" and detail["score"]["rank"] is None
    html = client.get(f"/index/periods/{YEAR}/enterprises/{insufficient[0]['bin']}", cookies={"lang": "ru"}).text
    assert "Недостаточно данных" in html


def test_enterprise_explanation_adds_up_and_shows_trend_and_peers(client, sign_in):
    officer, admin = sign_in("federation"), sign_in("admin")
    proposal = _approve_test_method(officer, admin)
    admin.post(f"/api/v1/index/methodologies/{proposal['id']}/review", json={"decision": "approve"})
    _run_and_publish(admin, YEAR - 1)  # replaces the demo's publication of last year
    _run_and_publish(admin, YEAR)
    ranking = client.get(f"/api/v1/index/periods/{YEAR}/scores").json()
    target = next(i for i in ranking["items"] if i["status"] == "ranked")
    detail = client.get(f"/api/v1/index/periods/{YEAR}/enterprises/{target['bin']}").json()
    contributions = [i["contribution"] for i in detail["indicators"] if i["contribution"] is not None]
    assert sum(contributions) == pytest.approx(target["score"], abs=1e-6)
    for row in detail["indicators"]:
        if row["normalised"] is not None and row["id"] == "safety_committee":
            assert row["normalised"] == pytest.approx(100 * row["raw"])  # goalposts 0..1
    assert [p["period"] for p in detail["trend"]][-2:] == [YEAR - 1, YEAR]
    assert detail["peers_scope"] in ("sector_size", "sector")
    assert all(p["sector_code"] == target["sector_code"] and p["bin"] != target["bin"] for p in detail["peers"])

    for lang, words in (("en", ("Raw value", "Contribution", "Trend over periods", "Peers")),
                        ("ru", ("Исходное значение", "Вклад", "Динамика по периодам", "Сопоставимые предприятия")),
                        ("kk", ("Бастапқы мән", "Үлес", "Кезеңдер бойынша серпін", "Салыстырмалы кәсіпорындар"))):
        html = client.get(f"/index/periods/{YEAR}/enterprises/{target['bin']}", cookies={"lang": lang}).text
        for word in words:
            assert word in html, (lang, word)


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x8825] = {1: "N", 2: (43.0, 15.0, 0.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_reply_with_evidence_is_moderated_then_shown_beside_the_score(client, sign_in, session):
    from qorgau.core.models import User

    officer, admin, employer = sign_in("officer"), sign_in("admin"), sign_in("employer")
    proposal = _approve_test_method(sign_in("federation"), admin)
    admin.post(f"/api/v1/index/methodologies/{proposal['id']}/review", json={"decision": "approve"})
    _run_and_publish(admin)
    enterprise_id = session.execute(select(User.scope_enterprise_id).where(User.username == "employer")).scalar_one()
    bin_ = employer.get(f"/api/v1/registry/enterprises/{enterprise_id}").json()["bin"]
    public_url = f"/index/periods/{YEAR}/enterprises/{bin_}"

    photo = _photo_with_gps()
    assert b"PhoneMaker" in photo
    text = "Аварийный выход в цехе электролиза освобождён, фото прилагаем."
    sent = employer.post(f"/index/enterprises/{enterprise_id}/replies",
                         data={"period": str(YEAR), "body": text, "back": public_url,
                               "csrf_token": employer.headers["X-CSRF-Token"]},
                         files=[("evidence", ("exit.jpg", photo, "image/jpeg"))], follow_redirects=False)
    assert sent.status_code == 303, sent.text[:500]
    # Awaiting moderation: not public yet, but the employer sees its status.
    assert text not in client.get(public_url).text
    assert "awaiting moderation" in employer.get(public_url, cookies={"lang": "en"}).text

    # An employer cannot reply for another enterprise (out of scope reads as not found).
    other = next(i["enterprise_id"] for i in client.get(f"/api/v1/index/periods/{YEAR}/scores").json()["items"]
                 if i["enterprise_id"] != enterprise_id)
    assert employer.post(f"/api/v1/index/enterprises/{other}/replies",
                         json={"period": YEAR, "body": "Not our enterprise at all."}).status_code == 404

    pending = officer.get("/api/v1/index/replies?status=pending").json()["items"]
    mine = next(r for r in pending if r["body"] == text)
    assert len(mine["evidence"]) == 1
    no_reason = officer.post(f"/api/v1/index/replies/{mine['id']}/moderate", json={"decision": "reject"})
    assert no_reason.status_code == 422
    assert employer.post(f"/api/v1/index/replies/{mine['id']}/moderate",
                         json={"decision": "publish"}).status_code == 403
    moderated = officer.post(f"/index/replies/{mine['id']}/moderate",
                             data={"decision": "publish", "note": "", "csrf_token": officer.headers["X-CSRF-Token"]},
                             follow_redirects=False)
    assert moderated.status_code == 303

    page = client.get(public_url, cookies={"lang": "en"}).text
    reply_part = page.split('id="replies"')[1].split('id="indicators"')[0]
    assert text in reply_part, "the moderated reply is shown beside the score"
    evidence_id = re.search(r'/index/evidence/(\d+)', reply_part).group(1)
    served = client.get(f"/index/evidence/{evidence_id}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert "sandbox" in served.headers["content-security-policy"]
    assert b"PhoneMaker" not in served.content and not Image.open(io.BytesIO(served.content)).getexif()
    assert officer.post(f"/api/v1/index/replies/{mine['id']}/moderate",
                        json={"decision": "reject", "note": "twice"}).status_code == 409
    # The ranking marks enterprises that replied.
    assert "replied" in client.get(f"/index/periods/{YEAR}", cookies={"lang": "en"}).text


def test_unpublished_runs_are_scoped_and_publishing_needs_the_permission(sign_in, session, client):
    from qorgau.core.models import User

    admin, employer = sign_in("admin"), sign_in("employer")
    run = admin.post("/api/v1/index/runs", json={"period": YEAR, "runs": 50}).json()
    rows = employer.get(f"/api/v1/index/runs/{run['id']}/scores").json()["items"]
    own = session.execute(select(User.scope_enterprise_id).where(User.username == "employer")).scalar_one()
    assert [r["enterprise_id"] for r in rows] == [own]
    assert len(admin.get(f"/api/v1/index/runs/{run['id']}/scores").json()["items"]) == run["enterprises"]
    assert employer.post(f"/api/v1/index/runs/{run['id']}/publish", json={}).status_code == 403
    assert employer.post("/api/v1/index/runs", json={"period": YEAR}).status_code == 403
    assert client.get("/api/v1/index/runs").status_code == 401
    assert sign_in("analyst").post("/api/v1/index/runs", json={"period": YEAR}).status_code == 403


def test_home_panels_and_pages_answer_for_every_role(sign_in, client):
    for username in ("admin", "officer", "inspector", "employer", "state", "analyst"):
        user = sign_in(username)
        assert user.get("/").status_code == 200
        for url in ("/index/runs", "/index/replies", "/index/methodology"):
            assert user.get(url).status_code == 200, (username, url)
    for url in ("/index/", "/index/methodology", "/api/v1/index/periods", "/api/v1/index/methodologies"):
        assert client.get(url).status_code == 200, url
    assert "Safety Index" in client.get("/", cookies={"lang": "en"}).text  # public navigation


def _primary_union_officer(session) -> str:
    """A union officer of one primary organisation (added for this test), signed in by user name."""
    from qorgau.core import security
    from qorgau.core.models import User
    from qorgau.registry.models import UnionOrg

    primary = session.execute(select(UnionOrg).where(UnionOrg.kind == "primary").order_by(UnionOrg.id)).scalars().first()
    session.add(User(username="primary", role="union_officer", full_name="Primary union officer",
                     scope_kind="union", scope_union_id=primary.id,
                     password_hash=security.hash_password("primary-officer-pass-91")))
    session.commit()
    return "primary-officer-pass-91"


@pytest.mark.parametrize("username, may_publish", [
    ("admin", True), ("federation", True), ("officer", False), ("primary", False), ("inspector", False),
    ("employer", False), ("state", False), ("analyst", False)])
def test_publishing_and_methodology_review_are_national_acts(sign_in, session, username, may_publish):
    """Each role: only the administrator and officers of national (federation) scope publish and review."""
    password = _primary_union_officer(session) if username == "primary" else None
    user = sign_in(username, password) if password else sign_in(username)
    admin = sign_in("admin")
    run = admin.post("/api/v1/index/runs", json={"period": YEAR, "runs": 30}).json()
    published = user.post(f"/api/v1/index/runs/{run['id']}/publish", json={"statement": "Role test."})
    assert published.status_code == (201 if may_publish else 403), (username, published.text)
    proposal = user.post("/api/v1/index/methodologies", json={"yaml_text": TEST_METHOD, "note": "role test"})
    assert proposal.status_code == (201 if may_publish else 403), (username, proposal.text)
    if may_publish:  # the author's proposal is approved by another person of national scope
        other = sign_in("federation" if username == "admin" else "admin")
        review = other.post(f"/api/v1/index/methodologies/{proposal.json()['id']}/review",
                            json={"decision": "approve", "note": "Checked by the second person."})
        assert review.status_code == 200 and review.json()["status"] == "approved"
