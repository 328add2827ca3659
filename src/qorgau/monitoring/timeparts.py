"""Raw readings on PostgreSQL: one table partitioned by month of `ts` (native declarative partitioning).

`monitoring_reading` is `PARTITION BY RANGE (ts)` with one partition per calendar month (UTC),
`monitoring_reading_yYYYYmMM`, and a default partition for times outside every month created (clock
errors far in the past or future). A BRIN index on `ts` (tiny, and readings arrive in time order)
serves time-range scans; the primary key (sensor_id, ts) keeps inserts idempotent and includes the
partition key, as PostgreSQL requires.

The `monitoring.reading_partitions` job keeps months ahead created (moving any rows the default
partition holds for such a month into it) and the retention rule drops whole months older than the
retention period: the month is detached, the readings within an hour of an alarm (kept as evidence)
are copied back through the parent table, where they land in the default partition, and the rest
goes with DROP TABLE, without the row-by-row DELETE and vacuum a plain table would need.
SQLite keeps one plain table; its retention deletes rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text

TABLE = "monitoring_reading"
DEFAULT = f"{TABLE}_default"


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @staticmethod
    def of(ts: float) -> Month:
        moment = datetime.fromtimestamp(ts, UTC)
        return Month(moment.year, moment.month)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def start(self) -> float:
        return datetime(self.year, self.month, 1, tzinfo=UTC).timestamp()

    @property
    def end(self) -> float:
        return self.next().start

    @property
    def name(self) -> str:
        return f"{TABLE}_y{self.year:04d}m{self.month:02d}"


def is_partitioned(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    return bool(connection.execute(text("SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c "
                                        "ON c.oid = p.partrelid WHERE c.relname = :t"), {"t": TABLE}).scalar())


def months(connection: Connection) -> list[Month]:
    """The month partitions attached now, oldest first."""
    names = connection.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :t AND c.relname <> :d"),
        {"t": TABLE, "d": DEFAULT}).scalars()
    found = []
    for name in names:
        stamp = name.removeprefix(TABLE + "_y")
        found.append(Month(int(stamp[:4]), int(stamp[5:7])))
    return sorted(found, key=lambda m: (m.year, m.month))


def _create_month(connection: Connection, month: Month) -> None:
    """Create (or attach) a month, first taking out of the default partition any rows that belong to it."""
    bounds = {"lo": month.start, "hi": month.end}
    stray = connection.execute(text(f"SELECT count(*) FROM {DEFAULT} WHERE ts >= :lo AND ts < :hi"), bounds).scalar()
    if not stray:
        connection.execute(text(f"CREATE TABLE {month.name} PARTITION OF {TABLE} "
                                f"FOR VALUES FROM ({month.start!r}) TO ({month.end!r})"))
        return
    # A month that the default partition already holds rows of: PostgreSQL refuses to create it over them,
    # so they move into a new table that is then attached (in this one transaction).
    connection.execute(text(f"CREATE TABLE {month.name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    connection.execute(text(f"INSERT INTO {month.name} SELECT * FROM {DEFAULT} WHERE ts >= :lo AND ts < :hi"), bounds)
    connection.execute(text(f"DELETE FROM {DEFAULT} WHERE ts >= :lo AND ts < :hi"), bounds)
    connection.execute(text(f"ALTER TABLE {TABLE} ATTACH PARTITION {month.name} "
                            f"FOR VALUES FROM ({month.start!r}) TO ({month.end!r})"))


def ensure_months(connection: Connection, now: float, ahead: int = 2) -> list[str]:
    """The current month and `ahead` more exist; returns the partitions created."""
    if not is_partitioned(connection):
        return []
    have = set(months(connection))
    created, month = [], Month.of(now)
    for _ in range(ahead + 1):
        if month not in have:
            _create_month(connection, month)
            created.append(month.name)
        month = month.next()
    return created


def drop_months_before(connection: Connection, cutoff: float, around_alarms_s: float = 3600.0) -> dict:
    """Drop every month that ends before `cutoff`, keeping readings within `around_alarms_s` of an alarm."""
    dropped, kept, rows = [], 0, 0
    if not is_partitioned(connection):
        return {"dropped": dropped, "kept": kept, "rows": rows}
    for month in months(connection):
        if month.end > cutoff:
            continue
        connection.execute(text(f"ALTER TABLE {TABLE} DETACH PARTITION {month.name}"))
        rows += int(connection.execute(text(f"SELECT count(*) FROM {month.name}")).scalar() or 0)
        kept += connection.execute(text(
            f"INSERT INTO {TABLE} SELECT r.* FROM {month.name} r WHERE EXISTS (SELECT 1 FROM monitoring_alarm a "
            "WHERE a.sensor_id = r.sensor_id AND abs(extract(epoch FROM a.started_at) - r.ts) <= :w)"),
            {"w": around_alarms_s}).rowcount or 0
        connection.execute(text(f"DROP TABLE {month.name}"))
        dropped.append(month.name)
    return {"dropped": dropped, "kept": kept, "rows": rows - kept}


def convert(connection: Connection, now: float) -> None:
    """Turn the plain readings table into the partitioned one, keeping every row (PostgreSQL only)."""
    bounds = connection.execute(text(f"SELECT min(ts), max(ts) FROM {TABLE}")).one()
    connection.execute(text(
        f"CREATE TABLE {TABLE}_partitioned (sensor_id integer NOT NULL, ts double precision NOT NULL, "
        "value double precision NOT NULL, late boolean NOT NULL, "
        f"CONSTRAINT pk_{TABLE}_partitioned PRIMARY KEY (sensor_id, ts), "
        f"CONSTRAINT fk_{TABLE}_partitioned_sensor FOREIGN KEY (sensor_id) REFERENCES monitoring_sensor (id)) "
        "PARTITION BY RANGE (ts)"))
    connection.execute(text(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE}_partitioned DEFAULT"))
    first = Month.of(bounds[0]) if bounds[0] is not None else Month.of(now)
    last = Month.of(max(bounds[1] or now, now))
    for _ in range(2):
        last = last.next()
    month = first
    while (month.year, month.month) <= (last.year, last.month):
        connection.execute(text(f"CREATE TABLE {month.name} PARTITION OF {TABLE}_partitioned "
                                f"FOR VALUES FROM ({month.start!r}) TO ({month.end!r})"))
        month = month.next()
    connection.execute(text(f"INSERT INTO {TABLE}_partitioned (sensor_id, ts, value, late) "
                            f"SELECT sensor_id, ts, value, late FROM {TABLE}"))
    connection.execute(text(f"DROP TABLE {TABLE}"))
    connection.execute(text(f"ALTER TABLE {TABLE}_partitioned RENAME TO {TABLE}"))
    connection.execute(text(f"ALTER TABLE {TABLE} RENAME CONSTRAINT pk_{TABLE}_partitioned TO pk_{TABLE}"))
    connection.execute(text(f"ALTER TABLE {TABLE} RENAME CONSTRAINT fk_{TABLE}_partitioned_sensor "
                            f"TO fk_{TABLE}_sensor_id_monitoring_sensor"))
    connection.execute(text(f"CREATE INDEX ix_{TABLE}_ts_brin ON {TABLE} USING brin (ts)"))


def unconvert(connection: Connection) -> None:
    """Back to one plain table (the downgrade)."""
    connection.execute(text(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_partitioned"))
    connection.execute(text(
        f"CREATE TABLE {TABLE} (sensor_id integer NOT NULL, ts double precision NOT NULL, "
        "value double precision NOT NULL, late boolean NOT NULL, "
        f"CONSTRAINT pk_{TABLE}_plain PRIMARY KEY (sensor_id, ts), "
        f"CONSTRAINT fk_{TABLE}_plain_sensor FOREIGN KEY (sensor_id) REFERENCES monitoring_sensor (id))"))
    connection.execute(text(f"INSERT INTO {TABLE} SELECT sensor_id, ts, value, late FROM {TABLE}_partitioned"))
    connection.execute(text(f"DROP TABLE {TABLE}_partitioned CASCADE"))
    connection.execute(text(f"ALTER TABLE {TABLE} RENAME CONSTRAINT pk_{TABLE}_plain TO pk_{TABLE}"))
    connection.execute(text(f"ALTER TABLE {TABLE} RENAME CONSTRAINT fk_{TABLE}_plain_sensor "
                            f"TO fk_{TABLE}_sensor_id_monitoring_sensor"))
