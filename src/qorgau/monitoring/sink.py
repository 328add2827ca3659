"""The database sink: what the pipeline produces, stored in the monitoring tables (SQLite or PostgreSQL).

One unit of work of the pipeline is one transaction: readings (batched `INSERT ... ON CONFLICT DO
NOTHING` on (sensor, ts), so QoS-1 redeliveries never double a reading), minute rollups of exactly the
readings that insert stored (upserted, merging min/max/sum/count with a part of that minute stored
before; a repeated reading adds nothing, whichever worker stores it), the latest value per sensor,
alarm rows with their event history, and dead letters. The worker acknowledges its MQTT messages only
after `commit` returns.

Between units the sink also brings the worker up to date with the database: sensors registered or
changed in the web application join the running registry, and alarms acknowledged in the inbox are
acknowledged in the engine that owns them (so reminders and escalation stop there too).

A database outage does not stop the worker: every write since the last successful commit is kept in a
journal; when a statement or the commit fails for want of a connection, the transaction is rolled back,
`commit` raises `SinkUnavailable` (so nothing is acknowledged to the broker), and the next commit replays
the journal in one new transaction. The writes are idempotent per transaction (readings ON CONFLICT DO
NOTHING; rollups and alarms re-read what the database holds), so a replay stores each reading once.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from qorgau.core.db import session_factory
from qorgau.core.models import User
from qorgau.monitoring import alarms as alarm_model
from qorgau.monitoring import states
from qorgau.monitoring.alarms import AlarmError, AlarmEvent, Severity
from qorgau.monitoring.codec import DeadLetter
from qorgau.monitoring.limits import catalogue_for
from qorgau.monitoring.models import Alarm, Presence, Sensor, SensorState
from qorgau.monitoring.models import AlarmEvent as AlarmEventRow
from qorgau.monitoring.models import DeadLetter as DeadLetterRow
from qorgau.monitoring.notices import Notice
from qorgau.monitoring.notices import send as send_notices
from qorgau.monitoring.notices import worth_telling as notices_wanted
from qorgau.monitoring.pipeline import Pipeline, ReadingBatch, RollupBatch, SinkUnavailable
from qorgau.monitoring.sensors import SensorConfig, SensorRegistry
from qorgau.monitoring.states import AlarmStatus
from qorgau.monitoring.substances import Catalogue, default_catalogue
from qorgau.monitoring.violations import file_violation
from qorgau.registry.models import Enterprise, Site, Zone

log = logging.getLogger(__name__)

# Alarm types that mean an exposure limit was exceeded for a sustained time (a 15-minute or an 8-hour
# average, not a single reading): raising one of them is a "persistent exceedance".
PERSISTENT_TYPES = (alarm_model.STEL, alarm_model.TWA)
CHUNK = 5_000  # rows per INSERT statement
# The database is unreachable or restarting (not a bug in a statement): keep the work and retry.
UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


@dataclass(frozen=True)
class SensorInfo:
    """Where a sensor of the running registry lives in the database."""

    id: int
    zone_id: int
    enterprise_id: int


def zone_code(zone_id: int) -> str:
    """The zone level of topics and HTTP paths: the registry zone's id."""
    return str(zone_id)


def sensor_config(sensor: Sensor, enterprise_bin: str, catalogue: Catalogue | None = None) -> SensorConfig:
    """The engine's view of a sensor row: catalogue defaults for its substance, the row's overrides."""
    catalogue = catalogue or default_catalogue()
    overrides: dict[str, object] = {"silent_after_s": sensor.silent_after_s, "latching": sensor.latching}
    for name in ("a1", "a2", "hysteresis"):
        value = getattr(sensor, name)
        if value is not None:
            overrides[name] = value
    if sensor.a2 is not None and sensor.a1 is not None and sensor.hysteresis is None:
        overrides["hysteresis"] = abs(sensor.a1) * 0.1
    return SensorConfig.for_substance(sensor.code, enterprise_bin, zone_code(sensor.zone_id),
                                      catalogue[sensor.quantity], **overrides)


def load_sensors(session: Session, catalogue: Catalogue | None = None, since: datetime | None = None
                 ) -> tuple[list[SensorConfig], dict[str, SensorInfo]]:
    """Active sensors (changed after `since`, when given) as engine configs and database ids."""
    query = select(Sensor, Enterprise.bin).join(Enterprise, Enterprise.id == Sensor.enterprise_id) \
        .where(Sensor.active.is_(True)).order_by(Sensor.id)
    if since is not None:
        query = query.where(Sensor.updated_at > since)
    configs, directory = [], {}
    for sensor, enterprise_bin in session.execute(query):
        configs.append(sensor_config(sensor, enterprise_bin, catalogue))
        directory[sensor.code] = SensorInfo(sensor.id, sensor.zone_id, sensor.enterprise_id)
    return configs, directory


def load_registry(session: Session, catalogue: Catalogue | None = None) -> tuple[SensorRegistry, dict[str, SensorInfo]]:
    configs, directory = load_sensors(session, catalogue or catalogue_for(session))
    return SensorRegistry(configs), directory


def _when(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _plain(value: object) -> object:
    """JSON-safe: numpy scalars to Python, non-finite numbers to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def people_inside(session: Session, zone_id: int) -> list[str]:
    """Badges in the zone now (entered, not exited)."""
    return list(session.execute(select(Presence.badge).where(Presence.zone_id == zone_id,
                                                            Presence.exited_at.is_(None))
                                .order_by(Presence.entered_at, Presence.id)).scalars())


class DatabaseSink:
    """A pipeline Sink on a SQLAlchemy session.

    `commit=False` only flushes (the demo and the HTTP endpoint run inside a caller's transaction).
    `violation_actor_id`: the account under which persistent exceedances are filed as violations in
    `deviations` (when that package is installed); without it they are marked for a person to raise.
    """

    def __init__(self, session: Session, registry: SensorRegistry, directory: dict[str, SensorInfo], *,
                 commit: bool = True, violation_actor_id: int | None = None, sync_every_s: float = 1.0,
                 reload_every_s: float = 30.0, catalogue: Catalogue | None = None):
        self.session = session
        self.registry = registry
        self.directory = dict(directory)
        self.do_commit = commit
        self.violation_actor_id = violation_actor_id
        self.sync_every_s, self.reload_every_s = sync_every_s, reload_every_s
        self.catalogue = catalogue or default_catalogue()
        self.pipeline: Pipeline | None = None
        self._db_ids: np.ndarray = np.zeros(0, np.int64)
        self._db_ids_version = -1
        self._bins: dict[str, int | None] = {}
        self._zone_names: dict[int, str] = {}
        self._next_sync = 0.0
        self._next_reload = time.monotonic() + reload_every_s
        self._loaded_at = session.execute(select(func.max(Sensor.updated_at))).scalar()
        self.dialect = session.get_bind().dialect.name
        self._journal: list[tuple] = []  # writes since the last successful commit, replayed after a failure
        self._failed = False

    def attach(self, pipeline: Pipeline) -> None:
        """The pipeline this sink serves (to hand it acknowledgements made in the inbox)."""
        self.pipeline = pipeline

    # -- helpers ---------------------------------------------------------------------------------

    def _insert(self, model):
        """A Core INSERT on the model's table (without the ORM's per-row bookkeeping)."""
        return (postgresql if self.dialect == "postgresql" else sqlite).insert(model.__table__)

    def _ids(self) -> np.ndarray:
        """Database sensor id by registry index."""
        if self._db_ids_version != self.registry.version or self._db_ids.size != len(self.registry):
            self._db_ids = np.array([self.directory[c.sensor_id].id if c.sensor_id in self.directory else -1
                                     for c in self.registry.configs], dtype=np.int64)
            self._db_ids_version = self.registry.version
        return self._db_ids

    def _execute_many(self, statement, rows: list[dict]) -> None:
        """A Core statement over rows in batches of CHUNK."""
        connection = self.session.connection()
        for start in range(0, len(rows), CHUNK):
            connection.execute(statement, rows[start:start + CHUNK])

    # Hot paths in driver SQL: SQLite takes an executemany of row tuples; PostgreSQL one statement per
    # chunk over column arrays (INSERT ... SELECT FROM unnest(...)), which avoids a round trip per row.
    TABLES = {
        "reading": ("monitoring_reading", ("sensor_id", "ts", "value", "late"),
                    ("integer", "float8", "float8", "boolean"), "(sensor_id, ts) DO NOTHING"),
        "state": ("monitoring_sensor_state", ("sensor_id", "last_ts", "last_value"), ("integer", "float8", "float8"),
                  "(sensor_id) DO UPDATE SET last_ts = excluded.last_ts, last_value = excluded.last_value "
                  "WHERE excluded.last_ts > monitoring_sensor_state.last_ts"),
        "rollup": ("monitoring_rollup", ("sensor_id", "minute", "vmin", "vmax", "vsum", "n"),
                   ("integer", "bigint", "float8", "float8", "float8", "integer"),
                   "(sensor_id, minute) DO UPDATE SET vmin = {least}(monitoring_rollup.vmin, excluded.vmin), "
                   "vmax = {greatest}(monitoring_rollup.vmax, excluded.vmax), "
                   "vsum = monitoring_rollup.vsum + excluded.vsum, n = monitoring_rollup.n + excluded.n"),
    }

    def _upsert(self, name: str, columns: list[list]) -> None:
        """Insert column lists into one of TABLES with its ON CONFLICT clause."""
        if not columns or not columns[0]:
            return
        table, names, types, conflict = self.TABLES[name]
        postgres = self.dialect == "postgresql"
        conflict = conflict.format(least="least" if postgres else "min", greatest="greatest" if postgres else "max")
        connection = self.session.connection()
        n = len(columns[0])
        if postgres:
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            sql = f"INSERT INTO {table} ({', '.join(names)}) SELECT * FROM unnest({arrays}) ON CONFLICT {conflict}"
            for start in range(0, n, CHUNK * 4):
                connection.exec_driver_sql(sql, tuple(c[start:start + CHUNK * 4] for c in columns))
            return
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) ON CONFLICT {conflict}"
        rows = list(zip(*columns, strict=True))
        for start in range(0, n, CHUNK):
            connection.exec_driver_sql(sql, rows[start:start + CHUNK])

    # -- Sink protocol ---------------------------------------------------------------------------

    def write_readings(self, batch: ReadingBatch) -> None:
        self._journaled(self._write_readings, batch)

    def write_rollups(self, batch: RollupBatch) -> None:
        self._journaled(self._write_rollups, batch)

    def write_alarm_events(self, events: Sequence[AlarmEvent]) -> None:
        self._journaled(self._write_alarm_events, list(events))

    def write_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        self._journaled(self._write_dead_letters, list(letters))

    def _journaled(self, write, *args) -> None:
        """Run a write now (unless the transaction has already failed) and keep it until a commit succeeds."""
        if not self.do_commit:
            write(*args)
            return
        self._journal.append((write, args))
        if self._failed:
            return
        try:
            write(*args)
        except UNAVAILABLE as error:
            self._fail(error)

    def _fail(self, error: Exception) -> None:
        if not self._failed:
            log.warning("database unavailable (%s); %s writes kept for a retry", type(error).__name__,
                        len(self._journal))
        self._failed = True
        with contextlib.suppress(Exception):
            self.session.rollback()

    def _commit_journal(self) -> None:
        """Commit the transaction, first replaying the journal into a fresh one after a failure."""
        try:
            if self._failed:
                with contextlib.suppress(Exception):
                    self.session.rollback()
                for write, args in self._journal:
                    write(*args)
            self.session.commit()
        except UNAVAILABLE as error:
            self._fail(error)
            raise SinkUnavailable(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}") from error
        self._journal.clear()
        self._failed = False

    @property
    def held_writes(self) -> int:
        """Writes waiting for the database (0 when everything is committed)."""
        return len(self._journal) if self._failed else 0

    ROLLUP_FROM_INSERTED = (
        "INSERT INTO monitoring_rollup (sensor_id, minute, vmin, vmax, vsum, n) "
        "SELECT sensor_id, CAST(floor(ts / 60) AS bigint), min(value), max(value), sum(value), count(*) FROM ins "
        "GROUP BY 1, 2 ON CONFLICT (sensor_id, minute) DO UPDATE SET "
        "vmin = least(monitoring_rollup.vmin, excluded.vmin), vmax = greatest(monitoring_rollup.vmax, excluded.vmax), "
        "vsum = monitoring_rollup.vsum + excluded.vsum, n = monitoring_rollup.n + excluded.n")

    def _insert_readings(self, sid: np.ndarray, ts: np.ndarray, value: np.ndarray, late: np.ndarray) -> None:
        """Insert readings and add to the minute rollups exactly the rows that were new.

        A reading already stored (a QoS-1 redelivery, a replay after a take-over, a worker that lost its
        lease and did not know yet) inserts nothing and adds nothing, so the rollups never count one
        twice, whichever worker stores it and however often. On PostgreSQL one statement per chunk does
        both (INSERT ... RETURNING inside a CTE feeding the rollup upsert); on SQLite see below."""
        connection = self.session.connection()
        columns = [sid.tolist(), ts.tolist(), value.tolist(), late.tolist()]
        if self.dialect == "postgresql":
            sql = ("WITH ins AS (INSERT INTO monitoring_reading (sensor_id, ts, value, late) SELECT * FROM "
                   "unnest(%s::integer[], %s::float8[], %s::float8[], %s::boolean[]) "
                   "ON CONFLICT (sensor_id, ts) DO NOTHING RETURNING sensor_id, ts, value) " + self.ROLLUP_FROM_INSERTED)
            for start in range(0, len(columns[0]), CHUNK * 4):
                connection.exec_driver_sql(sql, tuple(c[start:start + CHUNK * 4] for c in columns))
            return
        # SQLite: the batch goes into a temporary table (executemany, the fast path); then one statement adds
        # to the rollups the rows the readings table does not hold yet, and one inserts them. The first of the
        # two is a write, so this transaction holds SQLite's write lock from then on and no other worker can
        # store the same readings between the check and the insert.
        _, first = np.unique(np.column_stack((sid.astype(np.int64), ts.astype(np.float64).view(np.int64))), axis=0,
                             return_index=True)
        if len(first) < len(sid):  # the same (sensor, ts) twice in one batch: keep the first
            first = np.sort(first)
            columns = [sid[first].tolist(), ts[first].tolist(), value[first].tolist(), late[first].tolist()]
        connection.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS qorgau_incoming "
                                   "(sensor_id INTEGER, ts REAL, value REAL, late BOOLEAN)")
        connection.exec_driver_sql("DELETE FROM qorgau_incoming")
        connection.exec_driver_sql("INSERT INTO qorgau_incoming VALUES (?, ?, ?, ?)", list(zip(*columns, strict=True)))
        connection.exec_driver_sql(
            "INSERT INTO monitoring_rollup (sensor_id, minute, vmin, vmax, vsum, n) "
            "SELECT i.sensor_id, CAST(i.ts / 60 AS INTEGER), min(i.value), max(i.value), sum(i.value), count(*) "
            "FROM qorgau_incoming i WHERE NOT EXISTS (SELECT 1 FROM monitoring_reading r "
            "WHERE r.sensor_id = i.sensor_id AND r.ts = i.ts) GROUP BY 1, 2 ON CONFLICT (sensor_id, minute) DO UPDATE SET "
            "vmin = min(monitoring_rollup.vmin, excluded.vmin), vmax = max(monitoring_rollup.vmax, excluded.vmax), "
            "vsum = monitoring_rollup.vsum + excluded.vsum, n = monitoring_rollup.n + excluded.n")
        connection.exec_driver_sql("INSERT INTO monitoring_reading (sensor_id, ts, value, late) "
                                   "SELECT sensor_id, ts, value, late FROM qorgau_incoming WHERE true "
                                   "ON CONFLICT (sensor_id, ts) DO NOTHING")
        connection.exec_driver_sql("DELETE FROM qorgau_incoming")

    def _write_readings(self, batch: ReadingBatch) -> None:
        if not len(batch):
            return
        sid = self._ids()[batch.sensor_idx]
        known = sid >= 0
        sid, ts, value, late = sid[known], batch.ts[known], batch.value[known], batch.late[known]
        self._insert_readings(sid, ts, value, late)
        fresh = ~late
        if fresh.any():
            s2, t2, v2 = sid[fresh], ts[fresh], value[fresh]
            order = np.lexsort((t2, s2))
            s2, t2, v2 = s2[order], t2[order], v2[order]
            last = np.flatnonzero(np.r_[s2[1:] != s2[:-1], True])
            self._upsert("state", [s2[last].tolist(), t2[last].tolist(), v2[last].tolist()])

    # The rollups follow the readings actually inserted (see _insert_readings): the pipeline's own minute
    # rollups, which count what one worker's engine saw, are not stored by this sink.
    rolls_up_readings = True

    def _write_rollups(self, batch: RollupBatch) -> None:
        if not len(batch):
            return
        sid = self._ids()[batch.sensor_idx]
        known = sid >= 0
        sid, minute = sid[known], batch.minute[known]
        lo, hi, total, n = batch.min[known], batch.max[known], batch.sum[known], batch.count[known]
        pairs, inverse = np.unique(np.column_stack((sid, minute)), axis=0, return_inverse=True)
        if len(pairs) < len(sid):  # one row per (sensor, minute) per statement: merge repeats first
            inverse = inverse.reshape(-1)
            merged_lo, merged_hi = np.full(len(pairs), np.inf), np.full(len(pairs), -np.inf)
            np.minimum.at(merged_lo, inverse, lo)
            np.maximum.at(merged_hi, inverse, hi)
            sid, minute = pairs[:, 0], pairs[:, 1]
            lo, hi = merged_lo, merged_hi
            total, n = np.bincount(inverse, total, len(pairs)), np.bincount(inverse, n, len(pairs)).astype(np.int64)
        self._upsert("rollup", [sid.tolist(), minute.tolist(), lo.tolist(), hi.tolist(), total.tolist(), n.tolist()])

    def _alarms(self, keys: list[str]) -> dict[str, dict]:
        """The alarm rows' state as the database has it now (the inbox may have acknowledged one meanwhile)."""
        table = Alarm.__table__
        found: dict[str, dict] = {}
        connection = self.session.connection()
        for start in range(0, len(keys), 500):
            rows = connection.execute(select(table.c.id, table.c.key, table.c.peak_severity, table.c.acknowledged_at)
                                      .where(table.c.key.in_(keys[start:start + 500])))
            found.update((r.key, {"id": r.id, "peak_severity": r.peak_severity,
                                  "acknowledged": r.acknowledged_at is not None, "changes": {}}) for r in rows)
        return found

    def _write_alarm_events(self, events: Sequence[AlarmEvent]) -> None:
        """Alarm rows and their history, with batched Core statements: this is the engine's state, written
        at the rate alarms happen (an alarm storm included); what people do to alarms goes through the ORM
        and the audit (service.acknowledge, violations)."""
        if not events:
            return
        self.session.flush()
        connection = self.session.connection()
        table, history = Alarm.__table__, AlarmEventRow.__table__
        alarms = self._alarms(sorted({e.alarm_id for e in events}))
        inside: dict[int, list[str]] = {}
        new: dict[str, dict] = {}  # rows to insert, by key; later events of the batch fold into them
        rows = []
        for event in events:
            at = _when(event.ts)
            value = None if event.value is None or not math.isfinite(event.value) else float(event.value)
            state = alarms.get(event.alarm_id)
            if state is None:
                info = self.directory.get(event.sensor_id)
                if info is None:
                    log.warning("alarm %s of unknown sensor %s not stored", event.alarm_id, event.sensor_id)
                    continue
                if info.zone_id not in inside:
                    inside[info.zone_id] = people_inside(self.session, info.zone_id)
                people = inside[info.zone_id]
                row = new[event.alarm_id] = {
                    "key": event.alarm_id, "sensor_id": info.id, "zone_id": info.zone_id,
                    "enterprise_id": info.enterprise_id, "alarm_type": event.alarm_type, "severity": event.severity,
                    "peak_severity": event.severity, "status": event.status, "started_at": at, "value": value,
                    "cleared_at": None, "acknowledged_at": None, "acknowledged_by": "", "ack_note": "",
                    "ack_pending": False, "escalation": event.escalation, "last_event_at": at,
                    "people_inside": len(people), "people": people, "detail": _plain(event.detail or {}),
                    "violation_type": ""}
                state = alarms[event.alarm_id] = {"id": None, "peak_severity": event.severity,
                                                  "acknowledged": False, "changes": row}
            else:
                changes = state["changes"]
                status = AlarmStatus(event.status)
                if state["acknowledged"] and not status.acknowledged:
                    status = states.acknowledged(status)  # acknowledged in the inbox; the engine is told next
                changes.update(severity=event.severity, status=status, escalation=event.escalation,
                               last_event_at=at)
                if Severity[event.severity] > Severity[state["peak_severity"]]:
                    state["peak_severity"] = changes["peak_severity"] = event.severity
                if event.kind == alarm_model.CLEARED:
                    changes["cleared_at"] = at
                if event.kind == alarm_model.ACKNOWLEDGED:
                    changes["ack_pending"] = False
                    if state["acknowledged"]:
                        continue  # acknowledged in the inbox, which recorded the event (with its note)
                    state["acknowledged"] = True
                    changes.update(acknowledged_at=at, acknowledged_by=event.by or "")
            rows.append({"key": event.alarm_id, "kind": event.kind, "at": at, "severity": event.severity,
                         "status": event.status, "value": value, "escalation": event.escalation,
                         "by": event.by or "", "note": "", "detail": _plain(event.detail) if event.detail else None})
        if new:
            connection.execute(table.insert(), list(new.values()))
            for key, state in self._alarms(sorted(new)).items():
                alarms[key]["id"] = state["id"]
        updates: dict[tuple, list[dict]] = {}
        for key, state in alarms.items():
            if key not in new and state["changes"]:
                columns = tuple(sorted(state["changes"]))
                updates.setdefault(columns, []).append({"alarm_pk": state["id"], **state["changes"]})
        for columns, params in updates.items():
            statement = table.update().where(table.c.id == bindparam("alarm_pk")) \
                .values({c: bindparam(c) for c in columns})
            connection.execute(statement, params)
        notices = []
        first_event = {e.alarm_id: e for e in reversed(events)}
        for row in rows:
            key = row.pop("key")
            row["alarm_id"] = alarms[key]["id"]
            if notices_wanted(row["kind"], row["severity"]):
                event = first_event[key]
                info = self.directory.get(event.sensor_id)
                if info is not None:
                    notices.append(Notice(row["kind"], row["alarm_id"], info.enterprise_id,
                                          self._zone_name(info.zone_id), event.alarm_type, row["severity"],
                                          row["escalation"]))
        if rows:
            connection.execute(history.insert(), rows)
        if notices:
            send_notices(self.session, notices)
        for key, row in new.items():
            if row["alarm_type"] in PERSISTENT_TYPES:
                alarm = self.session.get(Alarm, alarms[key]["id"])
                if alarm is not None:
                    self._violation(alarm)

    def _zone_name(self, zone_id: int) -> str:
        if zone_id not in self._zone_names:
            self._zone_names[zone_id] = self.session.execute(select(Zone.name).where(Zone.id == zone_id)).scalar() or ""
        return self._zone_names[zone_id]

    def _violation(self, alarm: Alarm) -> None:
        """A persistent exceedance: file a violation when configured, else mark it for a person."""
        if self.violation_actor_id is None:
            alarm.violation_type = "due"
            return
        actor = self.session.get(User, self.violation_actor_id)
        try:
            with self.session.begin_nested():
                file_violation(session=self.session, actor=actor, alarm=alarm)
        except Exception as error:  # noqa: BLE001 - a failure in deviations must not stop the ingest
            log.warning("violation for alarm %s not filed: %s", alarm.key, error)
            alarm.violation_type = "due"

    def _write_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        rows = [{"received_at": _when(d.received_at), "enterprise_id": self._enterprise_of(d.topic),
                 "topic": d.topic[:500], "reason": d.reason, "detail": d.detail, "row": d.row,
                 "payload": bytes(d.payload)} for d in letters]
        if rows:
            self._execute_many(self._insert(DeadLetterRow), rows)

    def _enterprise_of(self, topic: str) -> int | None:
        parts = topic.split("/")
        if len(parts) < 3:
            return None
        number = parts[2]
        if number not in self._bins:
            self._bins[number] = self.session.execute(select(Enterprise.id).where(Enterprise.bin == number)).scalar()
        return self._bins[number]

    def commit(self) -> None:
        """Commit the unit of work; raises SinkUnavailable (keeping the work) when the database is away."""
        if not self.do_commit:
            self.session.flush()
            return
        self._commit_journal()
        now = time.monotonic()
        try:
            if self.pipeline is not None and now >= self._next_sync:
                self._next_sync = now + self.sync_every_s
                self.sync_acknowledgements()
            if now >= self._next_reload:
                self._next_reload = now + self.reload_every_s
                self.reload_sensors()
        except (SinkUnavailable, *UNAVAILABLE) as error:  # the next commit tries again
            log.warning("keeping the worker in step with the database failed: %s", error)
            with contextlib.suppress(Exception):
                self.session.rollback()

    # -- keeping the worker in step with the database ----------------------------------------------

    def sync_acknowledgements(self) -> int:
        """Hand alarms acknowledged in the inbox to the engine that holds them; returns how many."""
        pipeline = self.pipeline
        if pipeline is None:
            return 0
        pending = list(self.session.execute(select(Alarm).where(Alarm.ack_pending.is_(True))
                                            .execution_options(populate_existing=True)).scalars())
        if not pending:
            return 0
        done, events = 0, []
        now = time.time()
        code_of = {info.id: code for code, info in self.directory.items()}
        for alarm in pending:
            idx = self.registry.index(code_of.get(alarm.sensor_id, ""))
            if idx is None or not pipeline.owns(idx):
                continue  # another worker's alarm
            # An engine that no longer holds it (restarted, or already closed) has nothing to stop: the row
            # is the record.
            with contextlib.suppress(AlarmError):
                events += pipeline.engine.acknowledge(alarm.key, now, alarm.acknowledged_by or None)
            alarm.ack_pending = False
            done += 1
        if events:
            self.write_alarm_events(events)
        self._commit_journal()
        return done

    def rebuild_state(self, indices: np.ndarray) -> None:
        """Rule state of sensors taken over from another worker, from the database: each sensor's last
        stored reading, so that a redelivered reading is known as already seen (late), not evaluated again."""
        pipeline = self.pipeline
        if pipeline is None or not len(indices):
            return
        engine = pipeline.engine
        engine._ensure()
        ids = self._ids()[indices]
        by_id = {int(i): int(x) for i, x in zip(ids.tolist(), indices.tolist(), strict=True) if i >= 0}
        table = SensorState.__table__
        rows = []
        keys = sorted(by_id)
        for start in range(0, len(keys), 500):
            rows += self.session.execute(select(table.c.sensor_id, table.c.last_ts, table.c.last_value)
                                         .where(table.c.sensor_id.in_(keys[start:start + 500]))).all()
        self.session.commit()
        for sensor_id, last_ts, last_value in rows:
            idx = by_id[int(sensor_id)]
            if not engine.last_ts[idx] >= last_ts:  # NaN (never seen here) or older than the database
                engine.last_ts[idx], engine.last_v[idx] = last_ts, last_value

    def reload_sensors(self) -> int:
        """Sensors registered or changed since the last look join the running registry."""
        self.catalogue = catalogue_for(self.session)  # limits entered since are used by the sensors reloaded now
        configs, directory = load_sensors(self.session, self.catalogue, since=self._loaded_at)
        if configs:
            self.registry.add_many(configs)
            self.directory.update(directory)
            self._loaded_at = self.session.execute(select(func.max(Sensor.updated_at))).scalar()
        self.session.commit()
        return len(configs)


def factory(registry: SensorRegistry) -> DatabaseSink:
    """For `qorgau monitoring ingest --sink qorgau.monitoring.sink:factory`: the configured database;
    the registry given is replaced by the database's sensors."""
    from qorgau.core.config import get_settings

    session = session_factory(get_settings().resolved_database_url())()
    session.info["actor"] = "system:monitoring-ingest"
    fresh, directory = load_registry(session)
    registry.add_many(fresh.configs)
    return DatabaseSink(session, registry, directory)


def zones_of(session: Session, enterprise_id: int) -> list[Zone]:
    return list(session.execute(select(Zone).join(Site).where(Site.enterprise_id == enterprise_id)
                                .order_by(Zone.id)).scalars())
