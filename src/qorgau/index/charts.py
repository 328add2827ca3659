"""Plotly charts of the index pages as chart JSON (drawn by the page through `qorgau.core.charts`)."""

from __future__ import annotations

from qorgau.core.charts import figure_json
from qorgau.core.i18n import gettext as _
from qorgau.index.states import ScoreStatus

CONFIG = {"displayModeBar": False, "responsive": True}
BRAND = "#0b5cab"
LABELLED_POINTS = 40  # above this many enterprises the axis shows positions, names stay in the hover


def _html(figure, left: int = 60) -> str:
    figure.update_layout(margin={"l": left, "r": 16, "t": 16, "b": 60}, plot_bgcolor="#fff", paper_bgcolor="#fff",
                         font={"family": "system-ui, sans-serif", "size": 13})
    return figure_json(figure, **CONFIG)


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def rank_intervals(rows) -> str | None:
    """Each ranked enterprise's rank with its 5th-95th percentile interval as an error bar (1 = safest, on top)."""
    import plotly.graph_objects as go

    from qorgau.core.i18n import localized

    rows = [(s, e) for s, e in rows if s.status == ScoreStatus.RANKED and s.rank is not None]
    if not rows:
        return None
    names = [localized(e, "name") for _s, e in rows]
    x = ([f"{n + 1}. {_short(name)}" for n, name in enumerate(names)] if len(rows) <= LABELLED_POINTS
         else list(range(1, len(rows) + 1)))
    ranks = [s.rank for s, _e in rows]
    high = [(s.rank_p95 if s.rank_p95 is not None else s.rank) - s.rank for s, _e in rows]
    low = [s.rank - (s.rank_p05 if s.rank_p05 is not None else s.rank) for s, _e in rows]
    custom = [[name, s.score, s.rank_p05 if s.rank_p05 is not None else s.rank,
               s.rank_p95 if s.rank_p95 is not None else s.rank] for name, (s, _e) in zip(names, rows, strict=True)]
    figure = go.Figure(go.Scatter(
        x=x, y=ranks, mode="markers", marker={"color": BRAND, "size": 7}, customdata=custom,
        error_y={"type": "data", "symmetric": False, "array": high, "arrayminus": low, "color": "#6b8db5",
                 "thickness": 1.5, "width": 3},
        hovertemplate="%{customdata[0]}<br>" + _("Score") + " %{customdata[1]:.1f}<br>" + _("Rank")
        + " %{y} (%{customdata[2]}–%{customdata[3]})<extra></extra>", name=_("Rank")))
    figure.update_yaxes(autorange="reversed", title={"text": _("Rank (1 = safest)"), "font": {"size": 12}, "standoff": 4},
                        gridcolor="#e5eaf0", zeroline=False, automargin=True)
    figure.update_xaxes(title={"text": _("Enterprises in order of rank"), "font": {"size": 12}},
                        showticklabels=len(rows) <= LABELLED_POINTS, tickangle=-45, automargin=True)
    figure.update_layout(height=460 if len(rows) <= LABELLED_POINTS else 380, showlegend=False)
    return _html(figure)


def trend(points: list[dict]) -> str | None:
    """The enterprise's published score by period, with its 5th-95th percentile score interval."""
    import plotly.graph_objects as go

    points = [p for p in points if p.get("score") is not None]
    if not points:
        return None
    scores = [p["score"] for p in points]
    figure = go.Figure(go.Scatter(
        x=[str(p["period"]) for p in points], y=scores, mode="lines+markers", line={"color": BRAND},
        error_y={"type": "data", "symmetric": False,
                 "array": [(p.get("score_p95") or p["score"]) - p["score"] for p in points],
                 "arrayminus": [p["score"] - (p.get("score_p05") or p["score"]) for p in points], "color": "#6b8db5"},
        hovertemplate="%{x}: %{y:.1f}<extra></extra>"))
    figure.update_yaxes(range=[0, 100], title=_("Score (0–100)"), gridcolor="#e5eaf0")
    figure.update_xaxes(type="category", title=_("Period"))
    figure.update_layout(height=280, showlegend=False)
    return _html(figure)


def contributions(explained, locale: str) -> str | None:
    """Points each indicator adds to the score (they sum to the score)."""
    import plotly.graph_objects as go

    rows = [r for r in explained.indicators if r["contribution"] is not None]
    if not rows:
        return None
    rows.reverse()  # plotly draws the first bar at the bottom
    figure = go.Figure(go.Bar(
        x=[r["contribution"] for r in rows], y=[_short(r["indicator"].label.get(locale), 32) for r in rows],
        orientation="h", marker={"color": BRAND}, hovertemplate="%{y}: %{x:.2f}<extra></extra>"))
    figure.update_xaxes(title=_("Points of the score"), gridcolor="#e5eaf0", rangemode="tozero")
    figure.update_yaxes(automargin=True)  # long labels take what they need, also on a phone
    figure.update_layout(height=80 + 28 * len(rows), showlegend=False)
    return _html(figure, left=8)
