"""Every page of every demo role, at 360 and 1366 px, in Kazakh and Russian: no sideways scrolling, no
control outside the screen, thumb-sized controls, the menu inside the screen, charts drawn without
inline script, no console error (CSP violations included), no English word outside the allow-list and no serious
or critical axe-core finding.

Pages are found from the app's route table, so a new package's pages are crawled as soon as it is installed
(its path parameters resolved by tests/scoping.py)."""

from __future__ import annotations

import pytest

from tests.browser.crawl import ROLES, crawl, page_paths
from tests.conftest import PASSWORDS

# Every page of a role, twice in each language: the officer's crawl alone is several hundred page visits.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(1800)]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_page_fits_a_phone_and_passes_axe(served, browser, role):
    from qorgau.app.web import create_app
    from qorgau.core.config import Settings
    from qorgau.core.db import session_factory

    base, url = served
    routes = create_app(Settings(database_url=url)).state.route_table
    session = session_factory(url)()
    try:
        paths = page_paths(routes, session, role)
    finally:
        session.close()
    problems, visited = crawl(browser, base, paths, role, PASSWORDS.get(role or ""))
    assert visited >= 8, f"only {visited} pages answered"
    assert not problems, f"{len(problems)} problems on {visited} page visits:\n" + "\n".join(problems[:60])
