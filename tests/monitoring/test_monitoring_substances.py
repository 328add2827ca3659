"""The substance catalogue: sources named, values as published, alarm-level rule, conversions."""

from __future__ import annotations

import pytest

from qorgau.monitoring.substances import (
    MOST_PROTECTIVE,
    SOURCES,
    CatalogueError,
    default_catalogue,
    read_limits,
    read_substances,
)

REQUIRED = ("so2", "co", "h2s", "ash3", "no2", "nh3", "cl2", "hcn", "ch4", "o2", "dust_resp", "noise", "heat_wbgt")


def test_catalogue_covers_the_smelter_hazards_and_names_every_source():
    cat = default_catalogue()
    assert set(REQUIRED) <= set(cat)
    for sub in cat.values():
        for lim in sub.limits:
            assert lim.source in SOURCES and lim.reference and lim.value > 0 and lim.unit
        assert sub.alarm_levels() is not None, sub.code


@pytest.mark.parametrize(("code", "source", "kind", "value"), [
    ("so2", "EU", "twa_8h", 0.5), ("so2", "EU", "stel_15", 1.0), ("so2", "ACGIH", "stel_15", 0.25),
    ("h2s", "ACGIH", "twa_8h", 1.0), ("h2s", "EU", "stel_15", 10.0), ("co", "NIOSH", "ceiling", 200.0),
    ("ash3", "ACGIH", "twa_8h", 0.005), ("noise", "EU", "twa_8h", 85.0), ("cl2", "NIOSH", "ceiling", 0.5)])
def test_published_values(code, source, kind, value):
    sub = default_catalogue()[code]
    assert sub.limit(kind, policy=(source,)).value == pytest.approx(value)


def test_priority_policy_keeps_pairs_from_one_source_and_most_protective_takes_the_minimum():
    so2 = default_catalogue()["so2"]
    assert (so2.limit("twa_8h").source, so2.limit("stel_15").source) == ("EU", "EU")
    assert so2.limit("stel_15", MOST_PROTECTIVE).value == 0.25  # ACGIH
    assert so2.limit("twa_8h", ("OSHA",)).value == 5.0
    assert so2.limit("ceiling") is None


def test_alarm_level_rule():
    cat = default_catalogue()
    assert (cat["co"].alarm_levels().a1, cat["co"].alarm_levels().a2) == (20.0, 100.0)  # TWA, STEL
    assert (cat["ash3"].alarm_levels().a1, cat["ash3"].alarm_levels().a2) == (0.005, 0.01)  # no STEL: 2 x A1
    assert (cat["cl2"].alarm_levels().a1, cat["cl2"].alarm_levels().a2) == (0.25, 0.5)  # STEL only: A1 = half
    o2 = cat["o2"]
    assert o2.direction == "falling" and (o2.alarm_levels().a1, o2.alarm_levels().a2) == (19.5, 18.0)
    # Mixing sources can put the STEL under the TWA; A1 is then kept below A2.
    lv = cat["so2"].alarm_levels(MOST_PROTECTIVE)
    assert lv.a2 == 0.25 and lv.a1 == 0.125


def test_conversion_ppm_mg_m3():
    so2 = default_catalogue()["so2"]
    assert so2.convert(1.0, "ppm", "mg/m3") == pytest.approx(64.07 / 24.45)
    assert so2.convert(so2.convert(3.0, "ppm", "mg/m3"), "mg/m3", "ppb") == pytest.approx(3000.0)
    with pytest.raises(ValueError):
        default_catalogue()["noise"].convert(1.0, "dBA", "ppm")


def test_match_sensor_by_token():
    cat = default_catalogue()
    assert cat.match_sensor("roasting-01.so2").code == "so2"
    assert cat.match_sensor("CELL_3/H2S".replace("/", "-")).code == "h2s"
    assert cat.match_sensor("temperature-1") is None


def test_bad_rows_name_row_and_column():
    good = {"code": "x", "name_en": "X", "quantity": "concentration", "unit": "ppm", "direction": "rising",
            "averaging": "arithmetic", "range_lo": "0", "range_hi": "10", "a1": "", "a2": ""}
    with pytest.raises(CatalogueError) as err:
        read_substances([good, {**good, "code": "y", "range_hi": "ten"}])
    assert (err.value.row, err.value.column) == (3, "range_hi")
    with pytest.raises(CatalogueError) as err:
        read_substances([{**good, "a1": "1"}])
    assert err.value.column == "a2"
    with pytest.raises(CatalogueError) as err:
        read_limits([{"code": "x", "source": "WHO", "kind": "twa_8h", "value": "1", "unit": "ppm"}])
    assert err.value.column == "source"
    with pytest.raises(CatalogueError) as err:
        read_limits([{"code": "x", "source": "EU", "kind": "twa_8h", "value": "-1", "unit": "ppm"}])
    assert err.value.column == "value"
