"""The capability packages and what each contributes (routers, CLI, demo data, home panels, nav)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType

import qorgau.core.models  # noqa: F401  (core's tables, for load_all_models)
import qorgau.core.once  # noqa: F401  (its table)

CAPABILITIES = ("registry", "speaks", "deviations", "incidents", "monitoring", "risk", "index", "aiwork",
                "airegister", "knowledge", "support", "training", "channels", "connectors",
                "equipment", "agreements", "audits", "biosafety")


def optional_module(package: str, module: str) -> ModuleType | None:
    """qorgau.<package>.<module> if that package has it."""
    name = f"qorgau.{package}.{module}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name in (name, f"qorgau.{package}"):
            return None
        raise


def modules(module: str) -> list[tuple[str, ModuleType]]:
    found = []
    for package in CAPABILITIES:
        mod = optional_module(package, module)
        if mod is not None:
            found.append((package, mod))
    return found


def load_all_models() -> None:
    """Import every package's models so the metadata knows every table."""
    modules("models")


@dataclass
class NavItem:
    label: str  # English message id
    url: str
    permission: str | None = None  # None: shown to everyone, signed in or not
    public: bool = False


@dataclass
class PanelItem:
    label: str
    url: str = ""
    meta: str = ""
    tone: str = ""  # "", "warn", "danger", "ok"


@dataclass
class Panel:
    """A block on a role's home page: what this person needs to act on."""

    title: str  # already translated
    items: list[PanelItem] = field(default_factory=list)
    figure: str = ""  # a headline number, formatted
    link: str = ""
    link_label: str = ""
    empty: str = ""
    order: int = 50
