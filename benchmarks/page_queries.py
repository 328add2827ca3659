"""SQL statements and time per page as the data grow: the Safety Index ranking (a run and the public
published period), violation statistics by enterprise, the officer's home page and to-do list, the
violations list and its API twin, the Worker Speaks inbox, the accidents dashboard and list, incident trends.

    python benchmarks/page_queries.py [--backends sqlite,postgresql] [--sizes 500,5000] [--repeat 5]

For each backend: a fresh database with the demo data (`qorgau demo`, 40 enterprises), then grown twice
by `grow()` to the first and second size of extra enterprises in the demo officer's scope, each with
three violations of the year (one open and overdue, one done and waiting for the inspector with a 20 KB
photo, one closed), a Safety Index score in the latest run and in the published one. For each page and
size: statements (counted by a `before_cursor_execute` listener), median and 95th-percentile time of
`--repeat` requests through the app in this process. JSON on the last line; the growth exponent k of
each page's median time (time ∝ enterprises^k) is in it, and the checks against the run's baseline (the
smallest size): no page sends more statements at a larger size than at the baseline, and none more than
its limit in LIMITS. The exit status is 1 when a check fails.

The data are synthetic (made here, labelled so); `grow()`, `pages()`, `statements()` and LIMITS are also
what the statement-count test in the suite uses, at small sizes.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

PHOTO = bytes(range(256)) * 80  # 20 KB standing in for an evidence photo
# The most statements one page may send (measured: 35, 8, 6, 10 and 9 at 70 and at 370 enterprises; the home
# page has one panel per capability, each a fixed number of statements; violations list 5, API violations 6
# (104 before their actions and escalations were loaded per page, not per row), Worker Speaks inbox 5,
# accidents dashboard 6 (18 before it read exposure and cases once for all its tables), accidents list 8 (41 before victims, members and extensions were loaded per page),
# incident trends 9).
LIMITS = {"officer_home": 40, "officer_todo": 10, "stats_by_enterprise": 8, "index_run": 12, "index_public": 12,
          "violations_list": 8, "api_violations": 8, "speaks_inbox": 8, "accidents_dashboard": 12,
          "accidents_list": 10, "incident_trends": 12}


def pages(session: Session) -> dict[str, str]:
    """The measured pages (as the demo officer, except the public ranking) on this database."""
    from qorgau.index.models import Publication, Run

    run_id = session.execute(select(func.max(Run.id))).scalar_one()
    period = session.execute(select(func.max(Publication.period)).where(Publication.withdrawn_at.is_(None))).scalar_one()
    return {"officer_home": "/", "officer_todo": "/deviations/",
            "stats_by_enterprise": f"/deviations/stats?by=enterprise&year={date.today().year}",
            "index_run": f"/index/runs/{run_id}", "index_public": f"/index/periods/{period}",
            "violations_list": "/deviations/violations", "api_violations": "/api/v1/deviations/violations",
            "speaks_inbox": "/speaks/inbox", "accidents_dashboard": "/incidents/",
            "accidents_list": "/incidents/accidents", "incident_trends": "/incidents/trends"}


def grow(session: Session, extra: int, *, offset: int = 0) -> int:
    """Add `extra` synthetic enterprises (numbered from `offset`) in the demo officer's scope with their
    violations, actions, evidence and index scores; commits. Returns the number of enterprises now."""
    from qorgau.core.models import User
    from qorgau.deviations.models import ActionEvidence, CorrectiveAction, Violation
    from qorgau.index.models import Publication, Run, Score
    from qorgau.registry.models import Enterprise

    officer = session.execute(select(User).where(User.username == "officer")).scalar_one()
    inspector = session.execute(select(User).where(User.username == "inspector")).scalar_one()
    employer = session.execute(select(User).where(User.username == "employer")).scalar_one()
    model = session.execute(select(Enterprise).where(Enterprise.sector_code == "C").limit(1)).scalar_one()
    action_kind = session.execute(select(CorrectiveAction.kind).limit(1)).scalar() or "corrective"
    category = session.execute(select(Violation.category).limit(1)).scalar() or "electrical"
    today = date.today()
    start = date(today.year, 1, 1)
    span = max(1, (today - start).days)
    ids = list(session.execute(insert(Enterprise).returning(Enterprise.id, sort_by_parameter_order=True), [
        {"bin": f"99{offset + n:010d}", "name_en": f"Synthetic enterprise {offset + n}",
         "name_kk": f"Синтетикалық кәсіпорын {offset + n}", "name_ru": f"Синтетическое предприятие {offset + n}",
         "region_kato": model.region_kato, "sector_code": "C", "headcount": 20 + (n * 37) % 3000,
         "has_union": True, "primary_union_id": officer.scope_union_id} for n in range(extra)]).scalars())
    violations = []
    for n, enterprise_id in enumerate(ids):
        found = start + timedelta(days=(n * 7) % span)
        for k, (severity, status) in enumerate((("gross", "open"), ("significant", "awaiting_verification"),
                                                 ("minor", "closed"))):
            violations.append({"enterprise_id": enterprise_id, "category": category, "severity": severity,
                               "description": f"Synthetic violation {k} of enterprise {offset + n}",
                               "work_stopped": k == 0 and n % 5 == 0, "found_on": found, "status": status,
                               "closed_on": found + timedelta(days=3 + n % 20) if status == "closed" else None,
                               "inspector_id": inspector.id, "source": "field"})
    violation_ids = list(session.execute(insert(Violation).returning(Violation.id, sort_by_parameter_order=True),
                                         violations).scalars())
    actions = []
    for v, violation_id in zip(violations, violation_ids, strict=True):
        status = {"open": "open", "awaiting_verification": "done", "closed": "verified"}[v["status"]]
        actions.append({"violation_id": violation_id, "kind": action_kind, "description": "Synthetic action",
                        "responsible": "Synthetic", "status": status,
                        "due_on": v["found_on"] + timedelta(days=10) if status != "open" else today - timedelta(days=2),
                        "done_on": v["found_on"] + timedelta(days=2) if status != "open" else None,
                        "verified_on": v["closed_on"]})
    action_ids = list(session.execute(insert(CorrectiveAction).returning(CorrectiveAction.id,
                                                                         sort_by_parameter_order=True), actions).scalars())
    session.execute(insert(ActionEvidence), [
        {"action_id": action_id, "note": "Synthetic evidence", "media_type": "image/png", "content": PHOTO,
         "submitted_by_id": employer.id, "submitted_on": a["done_on"], "verdict": ""}
        for action_id, a in zip(action_ids, actions, strict=True) if a["status"] == "done"])
    runs = {session.execute(select(func.max(Run.id))).scalar_one()}
    runs |= set(session.execute(select(Publication.run_id).where(Publication.withdrawn_at.is_(None))).scalars())
    for run_id in runs:
        top = session.execute(select(func.max(Score.rank)).where(Score.run_id == run_id)).scalar() or 0
        session.execute(insert(Score), [
            {"run_id": run_id, "enterprise_id": enterprise_id, "status": "insufficient_data" if n % 4 == 3 else "ranked",
             "score": None if n % 4 == 3 else 40.0 + (n * 13) % 50, "rank": None if n % 4 == 3 else top + 1 + n,
             "rank_p05": None if n % 4 == 3 else max(1.0, top + 1 + n - 5), "rank_p95": None if n % 4 == 3 else top + n + 6,
             "coverage": 0.3 if n % 4 == 3 else 0.9, "observed": 3, "imputed": 0, "sector_code": "C",
             "headcount": 20 + (n * 37) % 3000, "pillars": {}, "indicators": {}}
            for n, enterprise_id in enumerate(ids)])
    if session.get_bind().dialect.name == "postgresql":  # keep the id sequences ahead of the rows
        for table in ("registry_enterprise", "deviations_violation", "deviations_action", "deviations_evidence",
                      "index_score"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    session.commit()
    if session.get_bind().dialect.name == "postgresql":  # planner statistics, as autovacuum keeps them in service
        with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return session.execute(select(func.count(Enterprise.id))).scalar_one()


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement sent by any engine while the block runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def measure(get: Callable[[str], object], url: str, repeat: int) -> dict:
    """Statements of one request (after a warm-up request) and the times of `repeat` requests."""
    get(url)
    with statements() as seen:
        response = get(url)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        get(url)
        times.append(time.perf_counter() - started)
    times.sort()
    return {"status": getattr(response, "status_code", None), "statements": len(seen),
            "bytes": len(getattr(response, "content", b"")),
            "p50_ms": round(1000 * times[len(times) // 2], 1),
            "p95_ms": round(1000 * times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)], 1)}


def run_backend(backend: str, sizes: list[int], repeat: int) -> dict:
    import tempfile

    from fastapi.testclient import TestClient
    from throwaway_db import throwaway_database

    from qorgau.app.demo import run_demo
    from qorgau.app.web import create_app
    from qorgau.core.config import Settings
    from qorgau.core.db import session_factory
    from qorgau.core.migrate import upgrade

    out: dict = {"sizes": {}}
    with throwaway_database(backend) as url, tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=url, data_dir=Path(folder), secret_key="bench-secret", data_key="bench-key")
        upgrade(url)
        started = time.perf_counter()
        run_demo(url, seed=7, enterprises=40)
        out["demo_seconds"] = round(time.perf_counter() - started, 1)
        session = session_factory(url)()
        session.info["actor"] = "benchmark"
        app = create_app(settings)
        grown = 0
        for size in sizes:
            total = grow(session, size - grown, offset=grown)
            grown = size
            urls = pages(session)
            with TestClient(app) as officer, TestClient(app) as public:
                officer.post("/login", data={"username": "officer", "password": "officer-demo-2026",
                                             "csrf_token": _csrf(officer)})
                results = {name: measure((public if name == "index_public" else officer).get, path, repeat)
                           for name, path in urls.items()}
            out["sizes"][str(total)] = results
        session.close()
    counts = sorted(out["sizes"], key=int)
    low, high = counts[0], counts[-1]
    out["growth_k"] = {name: round(math.log(max(out["sizes"][high][name]["p50_ms"], 0.1)
                                            / max(out["sizes"][low][name]["p50_ms"], 0.1))
                                   / math.log(int(high) / int(low)), 2)
                       for name in out["sizes"][low]} if int(high) > int(low) else {}
    out["checks"] = checks(out["sizes"])
    return out


def checks(sizes: dict[str, dict[str, dict]]) -> dict[str, list[str]]:
    """What fails against the run's baseline (the smallest size) and against LIMITS; empty lists pass."""
    counts = sorted(sizes, key=int)
    baseline = sizes[counts[0]]
    grew = [f"{name}: {baseline[name]['statements']} statements at {counts[0]} enterprises, "
            f"{sizes[n][name]['statements']} at {n}"
            for n in counts[1:] for name in baseline if sizes[n][name]["statements"] > baseline[name]["statements"]]
    over = [f"{name}: {result['statements']} statements at {n} enterprises (limit {LIMITS[name]})"
            for n in counts for name, result in sizes[n].items() if result["statements"] > LIMITS[name]]
    failed = [f"{name}: status {result['status']} at {n} enterprises"
              for n in counts for name, result in sizes[n].items() if result["status"] != 200]
    return {"statements_grew": grew, "over_limit": over, "failed": failed}


def _csrf(client) -> str:
    client.get("/login")
    return client.cookies.get("qorgau_csrf") or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--sizes", default="500,5000", help="extra synthetic enterprises, smaller first")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    result = {"material": "demo data (40 enterprises, seed 7) plus synthetic enterprises made by grow()",
              "backends": {}}
    for backend in args.backends.split(","):
        result["backends"][backend] = run_backend(backend, sizes, args.repeat)
        print(backend, json.dumps(result["backends"][backend]), file=sys.stderr)
    result["passed"] = not any(problems for backend in result["backends"].values()
                               for problems in backend["checks"].values())
    print(json.dumps(result))
    if not result["passed"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
