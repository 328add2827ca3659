"""In Chromium on a phone: the published ranking draws rank intervals as error bars, and an enterprise's
page shows its score, interval and the moderated reply beside it, without overflowing a 360-pixel screen."""

from __future__ import annotations

import httpx
import pytest
from tests.browser.conftest import browser, live_server, phone, served  # noqa: F401  (fixtures)
from tests.conftest import PASSWORDS
from tests.index.test_index_flow import TEST_METHOD

pytestmark = pytest.mark.browser
YEAR = 2026


def _signed_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
    client.get("/login")
    token = client.cookies["qorgau_csrf"]
    response = client.post("/login", data={"username": username, "password": PASSWORDS[username], "csrf_token": token})
    assert response.status_code == 303
    client.headers["X-CSRF-Token"] = token
    return client


def _publish_test_index(base: str) -> tuple[dict, str]:
    officer, admin, employer = (_signed_in(base, name) for name in ("officer", "admin", "employer"))
    proposal = _signed_in(base, "federation").post("/api/v1/index/methodologies", json={"yaml_text": TEST_METHOD, "note": "browser"}).json()
    assert admin.post(f"/api/v1/index/methodologies/{proposal['id']}/review",
                      json={"decision": "approve"}).status_code == 200
    run = admin.post("/api/v1/index/runs", json={"period": YEAR, "runs": 200}).json()
    assert admin.post(f"/api/v1/index/runs/{run['id']}/publish", json={}).status_code == 201
    own = employer.get("/api/v1/index/runs/" + str(run["id"]) + "/scores").json()["items"][0]
    text = "Все нарушения в цехе электролиза устранены, акт прилагаем."
    reply = employer.post(f"/api/v1/index/enterprises/{own['enterprise_id']}/replies",
                          json={"period": YEAR, "body": text}).json()
    assert officer.post(f"/api/v1/index/replies/{reply['id']}/moderate",
                        json={"decision": "publish"}).status_code == 200
    return own, text


def test_public_ranking_and_enterprise_page_on_a_phone(live_server, phone):  # noqa: F811
    own, text = _publish_test_index(live_server)
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    phone.goto(live_server + "/index/")
    phone.wait_for_url(f"{live_server}/index/periods/{YEAR}")
    assert "Профсоюзный индекс безопасности" in phone.get_by_role("heading", level=1).inner_text()
    # Plotly drew the chart: one error bar group per ranked enterprise.
    phone.wait_for_selector(".idx-chart .main-svg")
    assert phone.locator(".idx-chart g.errorbar").count() > 3
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_text("Недостаточно данных").first.wait_for()

    phone.goto(f"{live_server}/index/periods/{YEAR}/enterprises/{own['bin']}")
    assert phone.get_by_role("heading", name="Ответ предприятия").is_visible()
    assert text in phone.locator("#replies").inner_text()
    assert "Место" in phone.locator(".card").first.inner_text()
    phone.wait_for_selector("#indicators ~ .idx-chart .main-svg, .idx-chart .main-svg")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert not errors, errors
