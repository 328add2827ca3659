"""Load the shipped reference data (regions, OKED sections, ISCO-08) idempotently."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.registry.models import Occupation, Region, Sector

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_reference_data(session: Session) -> dict[str, int]:
    """Insert missing regions, sectors and occupations; update names of existing ones."""
    counts = {}
    existing = {r.kato: r for r in session.execute(select(Region)).scalars()}
    for row in _rows("regions.csv"):
        region = existing.get(row["kato"]) or Region(kato=row["kato"])
        region.iso_3166_2, region.is_city = row["iso_3166_2"], row["is_city"] == "1"
        region.name_en, region.name_kk, region.name_ru = row["name_en"], row["name_kk"], row["name_ru"]
        session.add(region)
    counts["regions"] = len(_rows("regions.csv"))
    existing_sectors = {s.code: s for s in session.execute(select(Sector)).scalars()}
    for row in _rows("oked_sections.csv"):
        sector = existing_sectors.get(row["code"]) or Sector(code=row["code"])
        sector.name_en, sector.name_kk, sector.name_ru = row["name_en"], row["name_kk"], row["name_ru"]
        session.add(sector)
    counts["sectors"] = len(existing_sectors) or 21
    existing_occ = {o.code: o for o in session.execute(select(Occupation)).scalars()}
    titles = {row["code"]: row for row in _rows("isco08_titles_kk_ru.csv")} if (DATA / "isco08_titles_kk_ru.csv").exists() else {}
    rows = _rows("isco08.csv")
    for row in rows:
        occ = existing_occ.get(row["code"]) or Occupation(code=row["code"])
        occ.level = int(row["level"])
        occ.parent_code = row["code"][:-1] if len(row["code"]) > 1 else None
        occ.title_en, occ.definition = row["title_en"], row["definition"]
        translated = titles.get(row["code"])
        if translated:
            occ.title_kk, occ.title_ru = translated["title_kk"] or None, translated["title_ru"] or None
        session.add(occ)
    counts["occupations"] = len(rows)
    session.flush()
    return counts
