"""Topic partitions and the leases that give each partition exactly one ingest worker.

Every zone (enterprise BIN and zone code) falls in one of a fixed number of partitions,
crc32("<bin>/<zone>") mod `partitions`; a zone rather than a sensor, so that a gateway's batch for
its zone stays one message. Publishers that know the partition send to

    qorgau/v1/p/<partition>/<bin>/<zone>[/<sensor>]/readings

and the worker that holds the partition's lease is the only subscriber: no reading crosses a second
hop. The lease is a row of `monitoring_ingest_lease` (owner, expiry), taken and renewed with one
conditional UPDATE, so it works the same on PostgreSQL and SQLite. A worker that stops renewing (it
died, or lost the database) loses its partitions when the lease expires and another worker takes them.

Each partition is also one MQTT session at the broker, client id `<group>-p<partition>`, persistent
(clean_start=False). The session, not the worker, holds what the broker has not yet had acknowledged:
the new owner connects with the same client id and the broker hands it every queued and
unacknowledged message. Nothing published to a partition is therefore lost by a takeover; what the old
owner had committed but not acknowledged comes again, and the sink stores it idempotently.

Workers also keep a row in `monitoring_ingest_member` while alive, so each can see how many share the
partitions and hold no more than its fair share (a worker with more gives the extras back, after
committing and acknowledging their messages).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, insert, or_, select, update

from qorgau.monitoring.codec import TOPIC_ROOT
from qorgau.monitoring.models import IngestLease, IngestMember

PARTITION_LEVEL = "p"
DEFAULT_PARTITIONS = 16


def partition_of(enterprise_bin: str, zone: str, partitions: int) -> int:
    """The partition of a zone: crc32 of "<bin>/<zone>" modulo the number of partitions."""
    return zlib.crc32(f"{enterprise_bin}/{zone}".encode()) % partitions


def partition_topic(topic: str, partitions: int) -> str:
    """A reading topic in the partitioned layout (`qorgau/v1/<bin>/<zone>/...` -> `qorgau/v1/p/<k>/...`)."""
    parts = topic.split("/")
    return "/".join([*parts[:2], PARTITION_LEVEL, str(partition_of(parts[2], parts[3], partitions)), *parts[2:]])


def partition_filter(partition: int) -> str:
    """What the owner of a partition subscribes to."""
    return f"{TOPIC_ROOT}/{PARTITION_LEVEL}/{partition}/#"


# Topics in the layout without partitions: five or six levels, never seven or eight as partitioned ones.
LEGACY_FILTERS = (f"{TOPIC_ROOT}/+/+/readings", f"{TOPIC_ROOT}/+/+/+/readings")


@dataclass(frozen=True)
class Routed:
    """Where a received topic belongs: the partition, and the topic without the partition levels."""

    partition: int | None  # None: the topic cannot be placed (the decoder turns it into a dead letter)
    topic: str
    partitioned: bool       # it came on a partition topic (else in the layout without partitions)


def route(topic: str, partitions: int) -> Routed:
    """The partition a topic's readings belong to, from its zone (whatever partition it was sent to)."""
    parts = topic.split("/")
    partitioned = len(parts) > 3 and parts[2] == PARTITION_LEVEL
    plain = "/".join(parts[:2] + parts[4:]) if partitioned else topic
    levels = plain.split("/")
    if len(levels) not in (5, 6) or "/".join(levels[:2]) != TOPIC_ROOT:
        return Routed(None, plain, partitioned)
    return Routed(partition_of(levels[2], levels[3], partitions), plain, partitioned)


def fair_share(partitions: int, members: int) -> int:
    return math.ceil(partitions / max(1, members))


class Leases:
    """One worker's view of the lease table: take, renew and give back partitions.

    Every call is one short transaction of its own (not the sink's), so a lease is renewed even while a
    unit of work is being stored; `now` is passed in so that tests can drive the clock.
    """

    def __init__(self, engine: Engine, owner: str, partitions: int, ttl_s: float = 10.0):
        if partitions < 1:
            raise ValueError("at least one partition")
        self.engine, self.owner, self.partitions, self.ttl_s = engine, owner, partitions, ttl_s
        self.table = IngestLease.__table__
        self.members = IngestMember.__table__

    def ensure_rows(self) -> None:
        """One row per partition (idempotent; a worker started with more partitions adds the new rows)."""
        with self.engine.begin() as connection:
            have = set(connection.execute(select(self.table.c.partition)).scalars())
            missing = [{"partition": k, "owner": "", "expires_at": 0.0, "epoch": 0}
                       for k in range(self.partitions) if k not in have]
            if missing:
                connection.execute(insert(self.table), missing)

    def heartbeat(self, now: float) -> int:
        """Say this worker is alive; returns how many workers are alive (this one included)."""
        with self.engine.begin() as connection:
            changed = connection.execute(update(self.members).where(self.members.c.name == self.owner)
                                         .values(seen_until=now + self.ttl_s)).rowcount
            if not changed:
                connection.execute(insert(self.members).values(name=self.owner, seen_until=now + self.ttl_s))
            connection.execute(delete(self.members).where(self.members.c.seen_until < now - 10 * self.ttl_s))
            return int(connection.execute(select(func.count()).select_from(self.members)
                                          .where(self.members.c.seen_until >= now)).scalar() or 1)

    def leave(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(self.members).where(self.members.c.name == self.owner))

    def held(self, now: float) -> set[int]:
        """Partitions this worker holds an unexpired lease on."""
        with self.engine.connect() as connection:
            return set(connection.execute(select(self.table.c.partition).where(
                self.table.c.owner == self.owner, self.table.c.expires_at >= now,
                self.table.c.partition < self.partitions)).scalars())

    def renew(self, partitions: Iterable[int], now: float) -> set[int]:
        """Extend this worker's leases; returns those still held (a lease taken over is not renewed)."""
        wanted = sorted(partitions)
        if not wanted:
            return set()
        with self.engine.begin() as connection:
            connection.execute(update(self.table).where(
                self.table.c.partition.in_(wanted), self.table.c.owner == self.owner,
                self.table.c.expires_at >= now).values(expires_at=now + self.ttl_s))
            return set(connection.execute(select(self.table.c.partition).where(
                self.table.c.partition.in_(wanted), self.table.c.owner == self.owner,
                self.table.c.expires_at >= now)).scalars())

    def try_take(self, partition: int, now: float) -> bool:
        """Take a free or expired partition: one conditional UPDATE, so two workers never both win."""
        with self.engine.begin() as connection:
            won = connection.execute(update(self.table).where(
                self.table.c.partition == partition,
                or_(self.table.c.owner == "", self.table.c.owner == self.owner, self.table.c.expires_at < now))
                .values(owner=self.owner, expires_at=now + self.ttl_s, epoch=self.table.c.epoch + 1)).rowcount
        return bool(won)

    def free(self, now: float) -> list[int]:
        """Partitions nobody holds (never taken, given back, or expired), lowest first."""
        with self.engine.connect() as connection:
            return list(connection.execute(select(self.table.c.partition).where(
                self.table.c.partition < self.partitions,
                or_(self.table.c.owner == "", self.table.c.expires_at < now))
                .order_by(self.table.c.partition)).scalars())

    def give_back(self, partitions: Iterable[int]) -> None:
        """Release partitions now (their messages are committed and acknowledged): no wait for expiry."""
        wanted = sorted(partitions)
        if wanted:
            with self.engine.begin() as connection:
                connection.execute(update(self.table).where(self.table.c.partition.in_(wanted),
                                                            self.table.c.owner == self.owner)
                                   .values(owner="", expires_at=0.0))

    def table_now(self) -> list[dict]:
        """Every partition's owner and expiry (for `qorgau monitoring ingest-partitions` and tests)."""
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(
                select(self.table.c.partition, self.table.c.owner, self.table.c.expires_at, self.table.c.epoch)
                .order_by(self.table.c.partition))]
