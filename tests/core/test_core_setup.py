"""Set-up: the sign-in table printed by `qorgau demo` lines up whatever the lengths, and `scripts/setup`
skips pip when pyproject.toml has not changed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from qorgau.cli import sign_in_table

ROOT = Path(__file__).resolve().parents[2]


def test_sign_in_columns_line_up():
    table = sign_in_table([("admin", "admin-demo-2026", "Administrator"),
                           ("a-very-long-user-name", "pw", "Technical labour safety inspector")]).splitlines()
    assert len(table) == 4
    starts = {line.index(word) for line, word in zip(table[2:], ("admin-demo-2026", "pw"), strict=True)}
    assert len(starts) == 1  # the password column starts at the same place on every row
    roles = {line.index(word) for line, word in zip(table[2:], ("Administrator", "Technical"), strict=True)}
    assert len(roles) == 1 and table[0].index("Role") == roles.pop()


def test_setup_skips_pip_when_nothing_changed(tmp_path):
    stamp = ROOT / ".venv" / ".qorgau-installed-test"
    if not stamp.exists():  # the environment was made by another tool: nothing to compare with
        return
    result = subprocess.run(["bash", str(ROOT / "scripts" / "setup"), "test"], capture_output=True, text=True,
                            timeout=120, check=True)
    assert "up to date" in result.stdout and "Collecting" not in result.stdout
