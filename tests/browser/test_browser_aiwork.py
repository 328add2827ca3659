"""A union officer on a phone reads the AI-exposure map (labelled synthetic) and drafts a retraining plan."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(os.environ.get("QORGAU_TEST_ARTIFACTS", "test-artifacts"))


def test_officer_reads_the_exposure_map_and_drafts_a_retraining_plan(live_server, phone):
    phone.goto(live_server + "/lang/en?next=/login")
    phone.get_by_label("User name").fill("officer")
    phone.get_by_label("Password").fill("officer-demo-2026")
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(live_server + "/")

    phone.goto(live_server + "/aiwork/")
    assert phone.get_by_role("heading", level=1).inner_text() == "AI at work: exposure of jobs to generative AI"
    assert "Synthetic data for demonstration: not official statistics." in phone.locator("[data-synthetic]").inner_text()
    # charts are drawn by static/charts.js from the JSON in <div class="plot">: Plotly marks the div js-plotly-plot
    phone.locator("#regions .plot.js-plotly-plot .scatterlayer .trace").first.wait_for(state="attached")
    assert phone.locator("#regions .plot.js-plotly-plot .scatterlayer .trace").count() >= 20  # the 20 regions
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "aiwork-dashboard-phone.png"), full_page=True)

    phone.goto(live_server + "/aiwork/plans/new")
    phone.locator("input[name=codes][type=checkbox]").first.check()
    phone.get_by_role("button", name="Rank target occupations").click()
    phone.wait_for_load_state()
    form = phone.locator("#plan-form")
    form.get_by_label("Title").fill("Clerks to new roles")
    form.locator("input[name^=people_]").first.fill("15")
    form.locator("input[name^=start_]").first.fill("2026-09-01")
    form.locator("input[name^=end_]").first.fill("2027-02-01")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # nothing overflows the phone
    phone.screenshot(path=str(ARTIFACTS / "aiwork-plan-form-phone.png"), full_page=True)
    form.get_by_role("button", name="Save the plan").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text().startswith("Clerks to new roles")
    assert phone.locator("[data-figure=people]").inner_text() == "15"
    assert "This plan was drafted from a synthetic employment table" in phone.content()
