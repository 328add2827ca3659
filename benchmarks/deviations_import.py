"""Benchmark: importing an inspectors' backlog of 100,000 violations from a spreadsheet, on SQLite and
on PostgreSQL.

Each backend gets a fresh migrated database with 200 unionised enterprises (sites and zones) and one
national administrator. The file is a CSV the way inspectors keep it (Russian headers, dates as
DD.MM.YYYY, category and severity as words, a corrective action on most rows, a third closed).

- import: `qorgau.deviations.importer.import_rows` end to end: read, map columns, validate every row,
  de-duplicate, bulk insert violations and actions, flag repeats, audit; one transaction.
- re-import: the same file again (every row recognised as already imported, nothing written).
- baseline, in the same run on the same database: recording rows one by one through the capture path
  (`service.record`, as the form and the API do: ORM objects, per-row audit, repeat look-up), on the first
  N rows, as rows/s.

    python benchmarks/deviations_import.py [--quick] [--rows N] [--baseline-rows N] [--backends sqlite,postgresql]

Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import tempfile
import time
from datetime import date, timedelta

from sqlalchemy import insert, select
from throwaway_db import throwaway_database

HEADER = ["БИН", "Дата выявления", "Цех", "Зона", "Категория", "Тяжесть", "Описание нарушения", "Мероприятие",
          "Ответственный", "Дата устранения"]
CATEGORIES = ["ppe", "Электробезопасность", "falls_heights", "chemical_gas_dust", "machinery_equipment",
              "Пожар и взрыв", "transport_vehicles"]
SEVERITIES = ["грубое", "значительное", "незначительное"]


def _registry(url: str, enterprises: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """Enterprises with valid BINs, a site and two zones each; returns (bin, site, zone) choices."""
    from qorgau.core.db import session_factory
    from qorgau.core.models import User
    from qorgau.registry.identifiers import complete_with_check_digit
    from qorgau.registry.models import Enterprise, Region, Sector, Site, Zone

    session = session_factory(url)()
    region = session.execute(select(Region.kato).limit(1)).scalar()
    sector = session.execute(select(Sector.code).where(Sector.code == "C")).scalar()
    places, used = [], set()
    for i in range(enterprises):
        while True:
            number = complete_with_check_digit(f"{rng.randint(0, 23):02d}{rng.randint(1, 12):02d}40{rng.randint(0, 99999):05d}")
            if number and number not in used:
                used.add(number)
                break
        enterprise = Enterprise(bin=number, name_ru=f"Предприятие {i}", region_kato=region, sector_code=sector,
                                headcount=rng.randint(200, 5000), has_union=True)
        session.add(enterprise)
        session.flush()
        site = Site(enterprise_id=enterprise.id, name="Цех 1")
        session.add(site)
        session.flush()
        session.execute(insert(Zone), [{"site_id": site.id, "name": f"Зона {z}"} for z in (1, 2)])
        places += [(number, "Цех 1", ""), (number, "", "Зона 1"), (number, "", "Зона 2")]
    session.add(User(username="bench", role="admin", password_hash="x", scope_kind="national"))
    session.commit()
    session.close()
    return places


def _file(rows: int, places: list, rng: random.Random) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    start = date(2023, 1, 1)
    for i in range(rows):
        bin_value, site, zone = rng.choice(places)
        found = start + timedelta(days=rng.randint(0, 900))
        closed = (found + timedelta(days=rng.randint(1, 40))).strftime("%d.%m.%Y") if rng.random() < 0.33 else ""
        writer.writerow([bin_value, found.strftime("%d.%m.%Y"), site, zone, rng.choice(CATEGORIES),
                         rng.choice(SEVERITIES), f"Нарушение {i}: не соблюдены требования безопасности на позиции {i % 991}",
                         "Устранить нарушение" if rng.random() < 0.8 else "", "Мастер участка", closed])
    return buffer.getvalue().encode("utf-8")


def _baseline(url: str, data: bytes, rows: int) -> float:
    """Rows/s when each row is recorded on its own through the capture path."""
    from qorgau.core.db import session_factory
    from qorgau.core.models import User
    from qorgau.core.tabular import read_numbered
    from qorgau.deviations import importer, service
    from qorgau.deviations.schemas import ActionIn, ViolationIn

    session = session_factory(url)()
    session.info["actor"] = "bench:baseline"
    actor = session.execute(select(User).where(User.username == "bench")).scalar()
    header, numbered = read_numbered(data, "backlog.csv")
    prepared = importer.prepare(session, actor, header, numbered[:rows], importer.proposed_mapping(header),
                                date.today())
    started = time.perf_counter()
    for row in prepared.rows:
        service.record(session=session, actor=actor, today=row["found_on"], violation_in=ViolationIn(
            enterprise_id=row["enterprise_id"], site_id=row["site_id"], zone_id=row["zone_id"],
            category=row["category"], severity=row["severity"], description=row["description"],
            found_on=row["found_on"], actions=[ActionIn(description=row["action"])] if row["action"] else []))
    session.commit()
    elapsed = time.perf_counter() - started
    session.close()
    return len(prepared.rows) / elapsed


def run_backend(backend: str, rows: int, baseline_rows: int, seed: int) -> dict:
    from qorgau.core.db import engine_for, session_factory
    from qorgau.core.migrate import upgrade
    from qorgau.core.models import User
    from qorgau.deviations import importer

    rng = random.Random(seed)
    with throwaway_database(backend) as url:
        upgrade(url)
        places = _registry(url, 200, rng)
        data = _file(rows, places, rng)
        figures: dict = {"rows": rows, "file_mb": round(len(data) / 1e6, 1)}
        for label in ("import", "reimport"):
            session = session_factory(url)()
            session.info["actor"] = "bench"
            actor = session.execute(select(User).where(User.username == "bench")).scalar()
            started = time.perf_counter()
            result = importer.import_rows(session=session, actor=actor, data=data, filename="backlog.csv")
            session.commit()
            elapsed = time.perf_counter() - started
            session.close()
            figures[f"{label}_seconds"] = round(elapsed, 2)
            figures[f"{label}_rows_per_s"] = round(rows / elapsed)
            figures[f"{label}_created"] = result["created"]
            figures["repeats_flagged"] = figures.get("repeats_flagged") or result["repeats"]
        figures["baseline_rows"] = baseline_rows
        figures["baseline_rows_per_s"] = round(_baseline(url, _file(baseline_rows, places, random.Random(seed + 1)),
                                                     baseline_rows))
        figures["speedup_vs_baseline"] = round(figures["import_rows_per_s"] / figures["baseline_rows_per_s"], 1)
        engine_for(url).dispose()
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 rows, 300 baseline rows")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows, baseline_rows = (5_000, 300) if args.quick else (args.rows, args.baseline_rows)
    os.environ.setdefault("QORGAU_DATA_DIR", tempfile.mkdtemp(prefix="qorgau-bench-"))
    results = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "python": platform.python_version()}
    for backend in args.backends.split(","):
        figures = run_backend(backend, rows, baseline_rows, args.seed)
        results[backend] = figures
        print(f"{backend:10s} import {figures['rows']:,} rows ({figures['file_mb']} MB CSV): "
              f"{figures['import_seconds']} s = {figures['import_rows_per_s']:,} rows/s; "
              f"again (all duplicates): {figures['reimport_rows_per_s']:,} rows/s, created "
              f"{figures['reimport_created']}; row-by-row capture path (baseline, {baseline_rows} rows): "
              f"{figures['baseline_rows_per_s']:,} rows/s; speed-up {figures['speedup_vs_baseline']}x")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
