#!/usr/bin/env python3
"""Keep the kk/ru catalogs in step with the code.

  python scripts/i18n.py update [PACKAGE ...]   add new message ids to the .po files
  python scripts/i18n.py check [PACKAGE ...]    list untranslated message ids (exit 1 if any)
  python scripts/i18n.py fill PACKAGE FILE.json fill translations from {"msgid": {"kk": ..., "ru": ...}}
                                                (plurals: lists, kk [one, other], ru [one, few, many])
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import write_po

from qorgau.core.i18n_tools import catalog_path, load_catalog, missing, update
from qorgau.core.plugins import CAPABILITIES


def _packages(args: list[str]) -> list[str]:
    """The packages named, else every package that exists in the tree (planned ones get no catalog)."""
    root = Path(__file__).resolve().parent.parent / "src" / "qorgau"
    return args or [p for p in ("core", *CAPABILITIES) if (root / p).is_dir()]


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "update":
        for package in _packages(rest):
            for locale in ("kk", "ru"):
                print(package, locale, "added", update(package, locale))
        return 0
    if command == "check":
        bad = 0
        for package in _packages(rest):
            for locale in ("kk", "ru"):
                for msgid in missing(package, locale):
                    print(f"{package} {locale}: {msgid}")
                    bad += 1
        return 1 if bad else 0
    if command == "fill":
        package, path = rest
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        for locale in ("kk", "ru"):
            update(package, locale)
            catalog = load_catalog(package, locale)
            for message in catalog:
                if message.id and isinstance(message.id, tuple | list):
                    key = message.id[0]
                else:
                    key = message.id
                if key in data and locale in data[key]:
                    value = data[key][locale]
                    message.string = tuple(value) if isinstance(value, list) else value
            with catalog_path(package, locale).open("wb") as handle:
                write_po(handle, catalog, width=0, sort_output=True)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
