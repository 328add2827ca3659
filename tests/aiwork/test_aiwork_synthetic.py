"""The synthetic Kazakhstan table: deterministic, plausible totals, labelled synthetic everywhere."""

from __future__ import annotations

import pandas as pd
import pytest

from qorgau.aiwork import employment, exposure, synthetic


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return synthetic.generate()


def test_deterministic_by_seed(table):
    again = synthetic.generate()
    pd.testing.assert_frame_equal(table, again)
    other = synthetic.generate(synthetic.SyntheticSpec(seed=8))
    assert not table["employed"].equals(other["employed"])


def test_totals_and_coverage(table):
    summary = synthetic.summary(table)
    assert summary["employed"] == 9_000_000
    assert 6_900_000 <= summary["employees"] <= 7_300_000
    assert summary["regions"] == 20 and summary["sectors"] == 21 and summary["occupations"] >= 430
    assert 0.43 <= summary["share_female"] <= 0.50
    assert set(table["region"]) == set(employment.region_codes().values())


def test_labelled_synthetic_in_every_output(table, tmp_path):
    assert (table["data_label"] == "synthetic").all()
    assert table.attrs["synthetic"] is True and table.attrs["label"] == synthetic.SYNTHETIC_LABEL
    summary = synthetic.summary(table)
    assert summary["synthetic"] is True and "Synthetic" in summary["label"]
    path = tmp_path / "s.csv"
    table.head(50).to_csv(path, index=False)
    assert set(pd.read_csv(path)["data_label"]) == {"synthetic"}


def test_large_cities_have_more_office_work_and_exposure(table):
    valid = employment.validate(table, dims=["region"])
    cities = valid["region"].isin(["710000000", "750000000", "790000000"])
    office = valid["isco08"].str[0].isin(["1", "2", "3", "4"])
    share = lambda mask: valid.loc[mask & office, "employed"].sum() / valid.loc[mask, "employed"].sum()  # noqa: E731
    assert share(cities) > share(~cities) + 0.1
    by_region = exposure.aggregate(valid, by=["region"]).set_index("region")["share_exposed"]
    assert by_region[["710000000", "750000000", "790000000"]].min() > by_region.drop(
        ["710000000", "750000000", "790000000"]).max()
