"""Pages that read aggregates send a small, fixed number of SQL statements whatever the size of the data:
the Safety Index ranking (a run and the public published period), violation statistics by enterprise, the
officer's home page and to-do list, the violations list and API, the Worker Speaks inbox, the accidents
dashboard and list, incident trends. Checked on the demo data grown twice by a few synthetic enterprises in
the officer's scope (with violations, overdue and waiting actions, evidence photos and index scores); a
query per row shows already at these sizes. benchmarks/page_queries.py makes the same check at thousands
of enterprises and times the pages."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from tests.conftest import do_sign_in

SPEC = importlib.util.spec_from_file_location(
    "page_queries", Path(__file__).resolve().parents[2] / "benchmarks" / "page_queries.py")
page_queries = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(page_queries)

LIMITS = page_queries.LIMITS


@pytest.fixture
def officer_and_public(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as officer, TestClient(app) as public:
        yield do_sign_in(officer, "officer"), public


def _counts(clients, urls) -> dict[str, int]:
    officer, public = clients
    out = {}
    for name, url in urls.items():
        client = public if name == "index_public" else officer
        client.get(url)  # warm: templates compiled, catalogs loaded
        with page_queries.statements() as seen:
            response = client.get(url, cookies={"lang": "en"})
        assert response.status_code == 200, (name, response.status_code, response.text[:300])
        out[name] = len(seen)
    return out


def test_statements_per_page_do_not_grow_with_the_data(session, officer_and_public):
    urls = page_queries.pages(session)
    small_n = page_queries.grow(session, 5)
    small = _counts(officer_and_public, urls)
    large_n = page_queries.grow(session, 25, offset=5)
    large = _counts(officer_and_public, urls)
    assert large_n >= small_n + 25
    for name in urls:
        assert large[name] <= small[name], f"{name}: {small[name]} statements at {small_n} enterprises, " \
                                           f"{large[name]} at {large_n}"
        assert large[name] <= LIMITS[name], f"{name}: {large[name]} statements (limit {LIMITS[name]})"


def test_large_pages_are_paged_and_counted_by_the_database(session, sign_in):
    page_queries.grow(session, 130)
    officer = sign_in("officer")
    urls = page_queries.pages(session)
    todo = officer.get(urls["officer_todo"], cookies={"lang": "en"}).text
    # 130 synthetic enterprises each have one action waiting for verification: counted exactly, listed in part.
    badge = re.search(r'Evidence to verify <span class="badge">([\d\s,.\u00a0\u202f]+)</span>', todo).group(1)
    assert int(re.sub(r"\D", "", badge)) >= 130 and "first 50 items" in todo
    stats = officer.get(urls["stats_by_enterprise"], cookies={"lang": "en"}).text
    total = int(re.search(r'data-total="(\d+)"', stats).group(1))
    assert total >= 130 and stats.count("<tr><td>") <= 50 and 'rel="next"' in stats
    second = officer.get(urls["stats_by_enterprise"] + "&page=2", cookies={"lang": "en"})
    assert second.status_code == 200 and 'rel="prev"' in second.text
    run = officer.get(urls["index_run"], cookies={"lang": "en"}).text
    assert 'rel="next"' in run and run.count('class="num">') < 60 * 7
    public = officer.get(urls["index_public"] + "?page=2", cookies={"lang": "en"})
    assert public.status_code == 200 and 'rel="prev"' in public.text
