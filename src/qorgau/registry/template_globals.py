"""Names the registry adds to every template (core.templating collects each package's GLOBALS)."""

from __future__ import annotations

from qorgau.registry.towns import town_name

GLOBALS = {"town": town_name}
