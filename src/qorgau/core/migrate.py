"""Alembic, configured in code: one migration branch per package (`core`'s branch also made registry's first
tables, before the floors were drawn; a revision once applied is never rewritten).

Each package keeps its revisions in `src/qorgau/<package>/migrations/versions/` with the branch label
of its name; `upgrade` applies every branch's head, then loads the reference data.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config

from qorgau.core.db import engine_for, unit_of_work
from qorgau.core.plugins import CAPABILITIES, modules

ROOT = Path(__file__).resolve().parent.parent


def version_dirs() -> dict[str, Path]:
    dirs = {"core": ROOT / "core" / "migrations" / "versions"}
    for package in CAPABILITIES:
        path = ROOT / package / "migrations" / "versions"
        if path.is_dir():
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
    """Apply all migrations and (re)load the reference data of every package that ships some (a package's
    `reference_data.load_reference_data(session)`); returns what was loaded."""
    command.upgrade(alembic_config(url), "heads")
    loaded: dict[str, int] = {}
    with unit_of_work(url, actor="system:migrate") as session:
        for _package, module in modules("reference_data"):
            loaded.update(module.load_reference_data(session))
    return loaded


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


# --- before an upgrade: what is pending, and what it would lock ------------------------------------

LARGE_TABLE_ROWS = 100_000
_SECOND_ARG_IS_TABLE = ("create_index", "create_unique_constraint", "create_check_constraint", "create_foreign_key")
# What each Alembic operation does to an existing PostgreSQL table while it runs.
_LOCKS = {
    "create_table": ("none", "new table"),
    "drop_table": ("brief", "drops the table"),
    "add_column": ("brief", "catalogue change only"),
    "drop_column": ("brief", "catalogue change only"),
    "create_index": ("blocks writes", "builds the index under a SHARE lock (use postgresql_concurrently=True)"),
    "drop_index": ("brief", "drops the index"),
    "create_foreign_key": ("blocks writes", "validates every row under SHARE ROW EXCLUSIVE"),
    "create_unique_constraint": ("blocks writes", "builds a unique index under a SHARE lock"),
    "create_check_constraint": ("blocks all", "validates every row under ACCESS EXCLUSIVE"),
    "alter_column": ("brief", "catalogue change only"),
    "execute": ("review", "raw SQL: read it before upgrading"),
    "bulk_insert": ("none", "inserts rows"),
}


def _keyword(call, name: str):
    import ast

    for keyword in call.keywords:
        if keyword.arg == name:
            return ast.literal_eval(keyword.value) if isinstance(keyword.value, ast.Constant) else "expr"
    return None


def operations(path: Path) -> list[dict]:
    """The `op.*` calls of a revision's upgrade(), with their table and what they lock."""
    import ast

    tree = ast.parse(path.read_text())
    upgrade_fn = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None)
    found: list[dict] = []
    if upgrade_fn is None:
        return found
    batch_tables: dict[str, str] = {}
    for node in ast.walk(upgrade_fn):
        if isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "batch_alter_table" and call.args
                        and isinstance(call.args[0], ast.Constant) and item.optional_vars is not None
                        and isinstance(item.optional_vars, ast.Name)):
                    batch_tables[item.optional_vars.id] = str(call.args[0].value)
    for node in ast.walk(upgrade_fn):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)):
            continue
        owner, name = node.func.value.id, node.func.attr
        if (owner != "op" and owner not in batch_tables) or name in ("batch_alter_table", "f"):
            continue
        strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if owner in batch_tables:
            table = batch_tables[owner]
        elif name in _SECOND_ARG_IS_TABLE and len(strings) >= 2:
            table = strings[1]
        elif name == "execute":
            table = ""
        else:
            table = strings[0] if strings else ""
        lock, why = _LOCKS.get(name, ("review", "operation not classified"))
        if name == "create_index" and _keyword(node, "postgresql_concurrently"):
            lock, why = "none", "built concurrently"
        if name == "add_column" and "nullable=False" in ast.unparse(node) and "server_default" not in ast.unparse(node):
            lock, why = "blocks all", "NOT NULL column without a default: fails on rows or rewrites the table"
        if name == "alter_column" and (_keyword(node, "type_") or "type_=" in ast.unparse(node)):
            lock, why = "blocks all", "type change rewrites the table under ACCESS EXCLUSIVE"
        if name == "alter_column" and _keyword(node, "nullable") is False:
            lock, why = "blocks all", "SET NOT NULL scans the table under ACCESS EXCLUSIVE"
        found.append({"op": name, "table": table, "lock": lock, "why": why, "line": node.lineno})
    return sorted(found, key=lambda op: op["line"])


def row_estimates(url: str, tables: set[str]) -> dict[str, int]:
    from sqlalchemy import inspect, text


    counts: dict[str, int] = {}
    with engine_for(url).connect() as conn:
        existing = set(inspect(conn).get_table_names())
        for table in sorted(tables & existing):
            if url.startswith("postgresql"):
                value = conn.execute(text("SELECT reltuples::bigint FROM pg_class WHERE relname = :t"), {"t": table}).scalar()
            else:
                value = conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()
            counts[table] = max(0, int(value or 0))
    return counts


def check(url: str) -> list[dict]:
    """Pending revisions, oldest first, each with its operations, table sizes and lock verdicts."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory


    script = ScriptDirectory.from_config(alembic_config(url))
    with engine_for(url).connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    applied = {rev.revision for rev in script.iterate_revisions(current, "base")} if current else set()
    pending = [rev for rev in script.walk_revisions() if rev.revision not in applied]
    pending.reverse()
    report = []
    for rev in pending:
        ops = operations(Path(rev.path))
        sizes = row_estimates(url, {op["table"] for op in ops if op["table"]})
        for op in ops:
            op["rows"] = sizes.get(op["table"])
            op["large"] = (op["rows"] or 0) >= LARGE_TABLE_ROWS and op["lock"] in ("blocks writes", "blocks all")
        report.append({"revision": rev.revision, "message": (rev.doc or "").strip(), "operations": ops,
                       "locks_large_table": any(op["large"] for op in ops)})
    return report
