"""The map of Kazakhstan's regions, coloured by a value, drawn without any base map.

Plotly's geo traces load the world outline from cdn.plot.ly, which closed networks cannot reach (the map
then stays blank), so the regions are filled polygons on plain axes, from the registry's GeoJSON.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from qorgau.core.charts import figure_json

GEOJSON = Path(__file__).resolve().parent / "data" / "regions.geojson"


@lru_cache(maxsize=1)
def outlines() -> dict[str, tuple[list, list]]:
    """Region outlines: KATO -> (longitudes, latitudes), rings separated by None."""
    out = {}
    for feature in json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        lon: list = []
        lat: list = []
        for polygon in polygons:
            for ring in polygon:
                lon += [p[0] for p in ring] + [None]
                lat += [p[1] for p in ring] + [None]
        out[feature["properties"]["KATO"]] = (lon, lat)
    return out


def region_map(values: dict[str, float | None], names: dict[str, str], unit: str = "", digits: int = 1,
               height: int = 380) -> str:
    """The map as chart JSON (see `qorgau.core.charts`); regions without a value are grey."""
    import plotly.graph_objects as go
    from plotly.colors import sample_colorscale

    known = [v for v in values.values() if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    span = (high - low) or 1.0
    figure = go.Figure()
    for kato, (lon, lat) in outlines().items():
        value = values.get(kato)
        color = sample_colorscale("OrRd", [(value - low) / span])[0] if value is not None else "#eeeeee"
        label = f"{names.get(kato, kato)}: " + (f"{value:.{digits}f}{unit}" if value is not None else "—")
        figure.add_scatter(x=lon, y=lat, fill="toself", fillcolor=color, mode="lines", name=label,
                           line={"color": "white", "width": 1}, hoveron="fills", text=label, hoverinfo="text",
                           showlegend=False, customdata=[kato])
    figure.add_scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip", marker={
        "colorscale": "OrRd", "cmin": low, "cmax": high, "color": [low], "showscale": True,
        "colorbar": {"title": {"text": unit.strip()}, "thickness": 12}})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.5)  # about 1/cos(48°) at these latitudes
    figure.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=height, plot_bgcolor="rgba(0,0,0,0)",
                         paper_bgcolor="rgba(0,0,0,0)")
    return figure_json(figure)
