"""Charts without inline script: a figure travels as JSON in a non-executable
`<script type="application/json">` inside its `<div class="plot" role="img">`, and the static
`charts.js` draws every such div with the vendored partial Plotly bundle (bar and scatter traces).

Views call `figure_json(figure)`; templates call `{{ plot(chart, _("What the chart shows")) }}` and put
`{{ chart_scripts() }}` in their head block, so only pages with charts load Plotly.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from qorgau.core.assets import static_url

CONFIG = {"displayModeBar": False, "responsive": True}


def figure_json(figure: Any, **config: Any) -> str:
    """The figure with its Plotly config as JSON that is safe inside a <script> element."""
    import plotly.io

    layout = figure.layout.to_plotly_json()
    template = layout.get("template") or {}
    if template.get("data"):  # the theme's defaults for the trace types drawn here, not for all fifty
        template["data"] = {kind: template["data"][kind] for kind in ("bar", "scatter") if kind in template["data"]}
    spec = plotly.io.to_json({"data": figure.data, "layout": layout, "config": {**CONFIG, **config}},
                             validate=False)
    return spec.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def plot(spec: str | None, label: str, css_class: str = "") -> Markup:
    """A chart placeholder for charts.js, described for screen readers by `label`."""
    if not spec:
        return Markup("")
    classes = ("plot " + css_class).strip()
    return Markup('<div class="{}" role="img" aria-label="{}"><script type="application/json">{}</script></div>').format(
        classes, escape(label), Markup(spec))


def chart_scripts() -> Markup:
    """The script tags a page with charts needs (deferred: they run in order after the page is parsed)."""
    return Markup('<script src="{}" defer></script><script src="{}" defer></script>').format(
        static_url("vendor/plotly-basic.min.js"), static_url("charts.js"))
