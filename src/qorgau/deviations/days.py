"""Day counts read from settings (`name=days,...`): the due days of corrective actions and the steps of the
escalation ladder both use this form."""

from __future__ import annotations


def parse_days(spec: str, field: str) -> dict[str, int]:
    """'gross=3,significant=14' -> {'gross': 3, 'significant': 14}, keeping the order."""
    days = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, value = part.partition("=")
        if not value.strip().isdigit():
            raise ValueError(f"{field}: '{part}' is not name=days")
        days[name.strip()] = int(value)
    return days
