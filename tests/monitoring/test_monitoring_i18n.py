"""Every English label the package marks with N_() has Kazakh and Russian translations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

PKG = Path(__file__).resolve().parents[2] / "src" / "qorgau" / "monitoring"


def marked_ids() -> set[str]:
    ids = set()
    for path in PKG.glob("*.py"):
        ids |= set(re.findall(r'N_\(\s*"((?:[^"\\]|\\.)*)"\s*\)', path.read_text(encoding="utf-8")))
    return ids


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_every_label_is_translated(locale):
    with (PKG / "translations" / f"{locale}.po").open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    translated = {m.id for m in catalog if m.id and m.string}
    ids = marked_ids()
    assert len(ids) > 50
    assert ids <= translated, sorted(ids - translated)
    assert "Plural-Forms" in str(catalog.mime_headers)
