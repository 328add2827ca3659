"""The house rules that a reader cannot see broken from one file, checked over the whole source tree.

Each check names every offender as `path:line`, so a failure says where to look:
- role names are written only in core/policy.py (elsewhere: a permission, or `policy.Role`);
- views and API routes only translate HTTP: no query on a session, no SQL statement built there;
- a status is compared with its enum member, not with a string, outside the module that defines the enum;
- the import contracts in pyproject.toml (the four floors, capabilities through services, no circles) hold;
- every permission granted in core/policy.py is checked somewhere.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from qorgau.core import policy

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "qorgau"
POLICY = SRC / "core" / "policy.py"
ROLE_NAMES = {role.value for role in policy.Role}


def python_files() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


@cache
def parsed(path: Path) -> ast.Module:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node  # type: ignore[attr-defined]
    return tree


def where(path: Path, node: ast.AST) -> str:
    shown = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    return f"{shown}:{getattr(node, 'lineno', 0)}"


def _names_attribute(node: ast.AST, names: set[str], *, bare: bool) -> bool:
    """The expression is, or contains, an attribute called one of `names` (`user.role`, `Model.status`), or with
    `bare` a variable of that name."""
    return any((isinstance(n, ast.Attribute) and n.attr in names) or (bare and isinstance(n, ast.Name) and n.id in names)
               for n in ast.walk(node))


def _literal_compared_with(constant: ast.Constant, names: set[str], *, bare: bool = False) -> bool:
    """The string is compared with one of the attributes `names`: `x.role == "a"`, `x.status in ("a", "b")`,
    `Model.status.in_(["a"])`, `Model.status != "a"` inside a query. A local variable called `state` is not a
    row's state; a variable called `role` is a role (`bare`)."""
    node: ast.AST = constant
    while isinstance(getattr(node, "parent", None), ast.Tuple | ast.List | ast.Set):
        node = node.parent  # type: ignore[attr-defined]
    parent = getattr(node, "parent", None)
    if isinstance(parent, ast.Compare):
        others = [parent.left, *parent.comparators]
        return any(_names_attribute(other, names, bare=bare) for other in others if other is not node)
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) and parent.func.attr in (
            "in_", "not_in", "is_", "isnot"):
        return _names_attribute(parent.func.value, names, bare=bare)
    return False


# --- role names ------------------------------------------------------------------------------------------------

def role_literals_in(path: Path) -> list[str]:
    found = []
    for node in ast.walk(parsed(path)):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ROLE_NAMES):
            continue
        parent = getattr(node, "parent", None)
        as_role_argument = isinstance(parent, ast.keyword) and parent.arg in ("role", "roles")
        if as_role_argument or _literal_compared_with(node, {"role"}, bare=True):
            found.append(where(path, node))
    return found


def role_literals() -> list[str]:
    found = [hit for path in python_files() if path != POLICY for hit in role_literals_in(path)]
    role_test = re.compile(r"\brole\s*(==|!=|\bin\b)\s*[\[(]?\s*[\"'](" + "|".join(sorted(ROLE_NAMES)) + r")[\"']")
    for template in sorted(SRC.rglob("*.html")):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if role_test.search(line):
                found.append(f"{template.relative_to(ROOT).as_posix()}:{number}")
    return found


def test_role_names_are_written_only_in_the_policy():
    offenders = role_literals()
    assert not offenders, ("a role name compared or passed as a string outside core/policy.py: ask for a permission "
                           "(policy.allowed, access.users_with) or use policy.Role\n" + "\n".join(offenders))


# --- views without queries -------------------------------------------------------------------------------------

SESSION_NAMES = {"db", "session"}
SESSION_QUERIES = {"execute", "scalar", "scalars", "get", "query", "add", "add_all", "delete", "merge", "flush",
                   "refresh", "get_one"}
STATEMENTS = {"select", "insert", "update", "delete", "text", "union", "union_all", "exists"}


def http_modules() -> list[Path]:
    return [p for p in python_files() if p.name in ("views.py", "api.py") or p.name.endswith("_views.py")]


def _sqlalchemy_names(tree: ast.Module) -> set[str]:
    """Statement builders this module imported from SQLAlchemy (`from sqlalchemy import select`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            names |= {alias.asname or alias.name for alias in node.names if alias.name in STATEMENTS}
    return names


def queries_in(path: Path) -> list[str]:
    found = []
    tree = parsed(path)
    statements = _sqlalchemy_names(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        on_session = (isinstance(func, ast.Attribute) and func.attr in SESSION_QUERIES
                      and isinstance(func.value, ast.Name) and func.value.id in SESSION_NAMES)
        builds_sql = isinstance(func, ast.Name) and func.id in statements
        if on_session or builds_sql:
            found.append(where(path, node))
    return found


def queries_in_views() -> list[str]:
    return [hit for path in http_modules() for hit in queries_in(path)]


def test_views_and_api_routes_do_not_query():
    offenders = queries_in_views()
    assert not offenders, ("a query in a views/api module: move it into the package's service\n"
                           + "\n".join(offenders))


# --- statuses compared with their enum -------------------------------------------------------------------------

STATE_ATTRIBUTES = {"status", "state"}


def _enum_values(tree: ast.Module) -> set[str]:
    """String values of the Enum classes this module defines."""
    values = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(ast.unparse(base).split(".")[-1].endswith("Enum")
                                                  for base in node.bases):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant) \
                        and isinstance(statement.value.value, str):
                    values.add(statement.value.value)
    return values


def status_literals_in(path: Path) -> list[str]:
    tree = parsed(path)
    own = _enum_values(tree)
    return [where(path, node) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value not in own
            and _literal_compared_with(node, STATE_ATTRIBUTES)]


def status_literals() -> list[str]:
    return [hit for path in python_files() for hit in status_literals_in(path)]


def test_statuses_are_compared_with_their_enum():
    offenders = status_literals()
    assert not offenders, ("a status compared with a string: compare with the enum member (and move states with "
                           "its core.states.Transitions table)\n" + "\n".join(offenders))


# --- the import contracts --------------------------------------------------------------------------------------

def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint)] if lint.exists() else [shutil.which("lint-imports") or "lint-imports"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={"PYTHONPATH": str(ROOT / "src"), "PATH": str(Path(sys.executable).parent)})
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


# --- permissions -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def source_texts() -> dict[str, str]:
    return {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(SRC.rglob("*")) if p.suffix in (".py", ".html") and p != POLICY}


def test_every_granted_permission_is_checked_somewhere(source_texts):
    granted = set().union(*policy.PERMISSIONS.values())
    unchecked = sorted(permission for permission in granted
                       if not any(re.search(rf"[\"']{re.escape(permission)}[\"']", text)
                                  for text in source_texts.values()))
    assert not unchecked, f"granted in core/policy.py but never checked: {unchecked}"


def test_the_checks_find_what_they_look_for(tmp_path):
    """Each detector recognises the forms it is meant to catch, and only those (so an empty list means something)."""
    sample = tmp_path / "views.py"
    sample.write_text('from enum import StrEnum\n'
                      'from sqlalchemy import select\n'
                      'class Colour(StrEnum):\n'
                      '    RED = "red"\n'
                      'def page(db, user, row, ctx):\n'
                      '    if user.role == "admin" or row.status in ("open", "closed") or row.state == "red":\n'
                      '        return db.execute(select(row)).scalars()\n'
                      '    account = ctx.users["admin"]  # a user name, not a role\n'
                      '    state = "red" if account else "closed"\n'
                      '    make(role="analyst", status_code=200)\n'
                      '    return db.get(row, 1), db.commit(), row.status == Colour.RED, state == "closed"\n', encoding="utf-8")
    lines = lambda hits: [int(hit.rsplit(":", 1)[1]) for hit in hits]  # noqa: E731
    assert lines(role_literals_in(sample)) == [6, 10]
    assert sorted(lines(status_literals_in(sample))) == [6, 6]
    assert sorted(lines(queries_in(sample))) == [7, 7, 11]
