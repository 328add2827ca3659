"""Alembic, configured in code: one migration branch per package (`core` holds core and registry).

Each package keeps its revisions in `src/qorgau/<package>/migrations/versions/` with the branch label
of its name; `upgrade` applies every branch's head, then loads the reference data.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config

from qorgau.core.plugins import CAPABILITIES

ROOT = Path(__file__).resolve().parent.parent


def version_dirs() -> dict[str, Path]:
    dirs = {"core": ROOT / "core" / "migrations" / "versions"}
    for package in CAPABILITIES:
        path = ROOT / package / "migrations" / "versions"
        if package != "registry" and path.is_dir():
            dirs[package] = path
    return dirs


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "core" / "migrations"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(p) for p in version_dirs().values()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> dict[str, int]:
    """Apply all migrations and (re)load the reference data; returns what was loaded."""
    from qorgau.core.db import unit_of_work
    from qorgau.registry.reference import load_reference_data

    command.upgrade(alembic_config(url), "heads")
    with unit_of_work(url, actor="system:migrate") as session:
        return load_reference_data(session)


def revision(url: str, package: str, message: str) -> None:
    """Autogenerate a revision for one package's tables (developers: `qorgau db revision`)."""
    config = alembic_config(url)
    config.attributes["package"] = package
    dirs = version_dirs()
    if package not in dirs:
        path = ROOT / package / "migrations" / "versions"
        path.mkdir(parents=True, exist_ok=True)
        dirs[package] = path
        config.set_main_option("version_locations", os.pathsep.join(str(p) for p in dirs.values()))
        command.revision(config, message=message, autogenerate=True, head="base", branch_label=package,
                         version_path=str(path), depends_on="core@head", rev_id=f"{package}_0001")
        return
    existing = sorted(p.name for p in dirs[package].glob(f"{package}_*.py"))
    number = len(existing) + 1
    command.revision(config, message=message, autogenerate=True, head=f"{package}@head",
                     version_path=str(dirs[package]), rev_id=f"{package}_{number:04d}")
