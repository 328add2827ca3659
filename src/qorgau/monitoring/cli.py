"""`qorgau monitoring ...`: exposure calculator, smelter simulator, MQTT ingest worker, limits."""

from __future__ import annotations

import importlib
import json
import signal
import sys
import threading
import time
from enum import StrEnum
from pathlib import Path

import typer

from qorgau.monitoring.exposure import ExposureOptions, ReadingsError, read_readings_csv, summarize_all
from qorgau.monitoring.substances import KINDS, default_catalogue

app = typer.Typer(help="Online monitoring of hazardous zones: exposure, telemetry simulation, ingest.",
                  no_args_is_help=True)


class OutputFormat(StrEnum):
    json = "json"
    table = "table"


class Method(StrEnum):
    step = "step"
    trapezoid = "trapezoid"


class Unmeasured(StrEnum):
    zero = "zero"
    measured = "measured"


class Encoding(StrEnum):
    json = "json"
    binary = "binary"


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def exposure(
    readings: Path = typer.Argument(..., help="CSV/XLSX with columns sensor_id,ts,value[,unit][,substance] "
                                    "(ISO-8601 or epoch seconds)."),
    format: OutputFormat = typer.Option(OutputFormat.json, "--format", help="json or table."),
    method: Method = typer.Option(Method.step, help="Sample weighting: step (hold forward) or trapezoid."),
    max_gap: float | None = typer.Option(None, "--max-gap", help="Seconds; longer intervals count as unmeasured. "
                                         "Default: 1.5 x each sensor's inferred sampling interval."),
    unmeasured: Unmeasured = typer.Option(Unmeasured.zero, help="Unmeasured time: zero exposure, or average "
                                          "over measured time only."),
    min_measured: float = typer.Option(0.75, "--min-measured", help="Share of a window that must be measured for "
                                       "its TWA or STEL to count; otherwise null with a warning."),
    unit: str | None = typer.Option(None, "--unit", help="Unit of every reading without a unit column: ppm, ppb, "
                                    "mg/m3, ug/m3, %LEL, %vol, degC WBGT, dB(A). Never guessed."),
    stel_limit: float | None = typer.Option(None, "--stel-limit", help="STEL for minutes_over_stel (sensor unit)."),
    substance: str | None = typer.Option(None, "--substance", help="Catalogue code for every sensor, e.g. so2."),
) -> None:
    """TWA-8h, rolling STEL and ceiling per sensor (docs/monitoring/exposure.md explains the method).

    minutes_over_stel needs a STEL: --stel-limit (in the readings' unit), else the catalogue limit of
    --substance (or a substance column, or a code in the sensor id) converted to the readings' unit, which
    must be stated (a unit column or --unit); null when none applies. Missing markers (-200, n/a, :, x, -)
    and negative concentrations are missing data, never zero.
    """
    from qorgau.core.imports import FileProblems
    from qorgau.monitoring.units import UnitError, canonical_unit

    catalogue = default_catalogue()
    if substance is not None and substance.lower() not in catalogue:
        _fail(f"--substance: unknown code {substance!r}; known: {', '.join(catalogue)}")
    if not readings.exists():
        _fail(f"{readings}: no such file")
    try:
        if unit is not None:
            unit = canonical_unit(unit)
    except UnitError as error:
        _fail(f"--unit: {error}")
    units: dict[str, str] = {}
    substances: dict[str, str] = {}
    try:
        data = read_readings_csv(readings, units, substances)
        unknown = sorted({c for c in substances.values() if c not in catalogue})
        if unknown:
            _fail(f"{readings}: substance column: unknown code(s) {', '.join(unknown)}")
        options = ExposureOptions(method.value, max_gap, unmeasured.value, min_measured=min_measured)
        result = summarize_all(data, catalogue, options, stel_limit, substance, units, unit, substances)
    except (ReadingsError, FileProblems) as error:
        _fail(f"{readings}: {error}")
    except (ValueError, UnicodeDecodeError) as error:
        _fail(f"{readings}: {error}")
    if format is OutputFormat.json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    cols = ["sensor_id", "unit", "interval_s", "measured_share", "twa_8h", "stel_max", "stel_max_at", "ceiling_max",
            "minutes_over_stel"]
    for c in cols:
        table.add_column(c, justify="left" if c in ("sensor_id", "unit", "stel_max_at") else "right")
    for row in result:
        table.add_row(*["" if row[c] is None else str(row[c]) for c in cols])
    Console(width=160).print(table)
    for row in result:
        for warning in row["warnings"]:
            typer.echo(f"{row['sensor_id']}: {warning}", err=True)


@app.command()
def substances(format: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """The substance catalogue: effective limits (with their sources) and default A1/A2 levels."""
    rows = []
    for code, sub in default_catalogue().items():
        lv = sub.alarm_levels()
        row: dict[str, object] = {"code": code, "name": sub.name, "unit": sub.unit, "direction": sub.direction}
        for kind in KINDS:
            lim = sub.limit(kind)
            row[kind] = None if lim is None else {"value": lim.value, "source": lim.source}
        row["a1"], row["a2"] = (lv.a1, lv.a2) if lv else (None, None)
        row["alarm_basis"] = lv.basis if lv else None
        rows.append(row)
    if format is OutputFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for c in ("code", "unit", "twa_8h", "stel_15", "ceiling", "a1", "a2"):
        table.add_column(c)
    for r in rows:
        cells = []
        for c in ("code", "unit", "twa_8h", "stel_15", "ceiling", "a1", "a2"):
            v = r[c]
            cells.append(f"{v['value']:g} ({v['source']})" if isinstance(v, dict) else ("" if v is None else str(v)))
        table.add_row(*cells)
    Console(width=140).print(table)


@app.command()
def simulate(
    broker_host: str = typer.Option("127.0.0.1", "--broker-host"),
    broker_port: int = typer.Option(1883, "--broker-port"),
    sensors: int = typer.Option(40, "--sensors", min=1, help="Number of sensors across the smelter's zones."),
    rate: float = typer.Option(1.0, "--rate", min=0.0001, help="Readings per second per sensor."),
    duration: float = typer.Option(60.0, "--duration", min=0.0, help="Seconds to run."),
    interval: float = typer.Option(1.0, "--interval", min=0.01, help="Seconds per batch (one message per zone)."),
    encoding: Encoding = typer.Option(Encoding.json, "--encoding"),
    enterprise_bin: str | None = typer.Option(None, "--enterprise-bin", help="BIN in the topics (demo BIN)."),
    seed: int = typer.Option(0, "--seed"),
    http_url: str | None = typer.Option(None, "--http-url", help="POST to this endpoint instead of MQTT."),
    token: str | None = typer.Option(None, "--token", help="Bearer token for --http-url."),
    write_sensors: Path | None = typer.Option(None, "--write-sensors", help="Also write the fleet as a CSV."),
    from_db: bool = typer.Option(False, "--from-db", help="Simulate the sensors registered in the configured "
                                 "database (of --enterprise-bin, if given) instead of a made-up fleet."),
) -> None:
    """Publish realistic smelter telemetry (diurnal load, drift, leaks, a stuck and a silent sensor)."""
    from qorgau.monitoring.sensors import write_sensors_csv
    from qorgau.monitoring.simulate import DEMO_BIN, Simulator, demo_fleet, post_http, publish_mqtt
    from qorgau.registry.identifiers import bin_problem

    bin_ = enterprise_bin or DEMO_BIN
    if bin_problem(bin_):
        _fail(f"--enterprise-bin {bin_!r}: {bin_problem(bin_)}")
    fleet = registered_fleet(enterprise_bin) if from_db else demo_fleet(sensors, bin_)
    if not fleet:
        _fail("no active sensors registered in the database" + (f" for {enterprise_bin}" if enterprise_bin else ""))
    sensors = len(fleet)
    if write_sensors:
        write_sensors_csv(write_sensors, [s.config for s in fleet])
    sim = Simulator(fleet, seed=seed)
    if http_url:
        if not token:
            _fail("--http-url needs --token")
        sent = post_http(sim, http_url, token or "", rate, duration, interval)
    else:
        try:
            sent = publish_mqtt(sim, broker_host, broker_port, rate, duration, interval, encoding.value)
        except OSError as error:
            _fail(f"cannot reach the broker at {broker_host}:{broker_port}: {error}", 1)
    typer.echo(json.dumps({"sensors": sensors, **sent}))


def registered_fleet(enterprise_bin: str | None = None) -> list:
    """The database's active sensors as a simulator fleet (levels like the smelter's zones where known)."""
    import math

    from qorgau.core.config import get_settings
    from qorgau.core.db import session_factory
    from qorgau.monitoring.simulate import SMELTER_ZONES, Channel, SimSensor
    from qorgau.monitoring.sink import load_sensors

    known = {c.code: c for z in SMELTER_ZONES for c in z.channels}
    with session_factory(get_settings().resolved_database_url())() as session:
        configs, _directory = load_sensors(session)
    fleet = []
    for cfg in configs:
        if enterprise_bin and cfg.enterprise_bin != enterprise_bin:
            continue
        base = abs(cfg.a1) * 0.4 if math.isfinite(cfg.a1) and cfg.a1 else 1.0
        channel = known.get(cfg.quantity) or Channel(cfg.quantity, base, 0.3, base * 0.1, 0.01)
        fleet.append(SimSensor(cfg, channel, cfg.zone))
    return fleet


def load_sink(spec: str, registry: object) -> object:
    """'memory' or 'package.module:factory' (called with the registry) -> a Sink."""
    from qorgau.monitoring.pipeline import MemorySink

    if spec == "memory":
        return MemorySink(keep_readings=False)
    module, _, attr = spec.partition(":")
    if not attr:
        raise ValueError(f"--sink {spec!r}: expected 'memory' or 'module:factory'")
    return getattr(importlib.import_module(module), attr)(registry)


@app.command()
def ingest(
    broker_host: str = typer.Option("127.0.0.1", "--broker-host"),
    broker_port: int = typer.Option(1883, "--broker-port"),
    sensors_csv: Path | None = typer.Option(None, "--sensors-csv", help="Sensor definitions (see simulate --write-sensors)."),
    demo_sensors: int = typer.Option(0, "--demo-sensors", help="Use the simulator's fleet of this size."),
    enterprise_bin: str | None = typer.Option(None, "--enterprise-bin", help="BIN of the demo fleet."),
    worker_index: int = typer.Option(0, "--worker-index", min=0),
    workers: int = typer.Option(1, "--workers", min=1, help="Ingest workers sharing the stream."),
    duration: float | None = typer.Option(None, "--duration", help="Stop after this many seconds."),
    sink: str = typer.Option("memory", "--sink", help="'memory' or 'module:factory' (phase B: the database)."),
    client_id: str | None = typer.Option(None, "--client-id"),
    username: str | None = typer.Option(None, "--username", envvar="QORGAU_MQTT_USERNAME"),
    password: str | None = typer.Option(None, "--password", envvar="QORGAU_MQTT_PASSWORD"),
) -> None:
    """Consume qorgau/v1/# (shared subscription, QoS 1, persistent session) and print counters as JSON."""
    from qorgau.monitoring.mqtt_worker import IngestWorker, WorkerConfig
    from qorgau.monitoring.pipeline import Pipeline
    from qorgau.monitoring.sensors import SensorConfigError, SensorRegistry, read_sensors_csv
    from qorgau.monitoring.simulate import DEMO_BIN, demo_fleet

    if worker_index >= workers:
        _fail("--worker-index must be below --workers")
    try:
        if sensors_csv:
            configs = read_sensors_csv(sensors_csv)
        elif demo_sensors:
            configs = [s.config for s in demo_fleet(demo_sensors, enterprise_bin or DEMO_BIN)]
        else:
            _fail("give --sensors-csv or --demo-sensors (readings of unregistered sensors are dead-lettered)")
        registry = SensorRegistry(configs)
        out = load_sink(sink, registry)
    except (SensorConfigError, ValueError, ImportError, AttributeError) as error:
        _fail(str(error))
    pipeline = Pipeline(registry, out, worker=worker_index, workers=workers)  # type: ignore[arg-type]
    worker = IngestWorker(pipeline, WorkerConfig(host=broker_host, port=broker_port, client_id=client_id,
                                                 username=username, password=password))
    if threading.current_thread() is threading.main_thread():  # signals can only be caught there
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: worker.stop())
    try:
        counters = worker.run(duration)
    except OSError as error:
        _fail(f"cannot reach the broker at {broker_host}:{broker_port}: {error}", 1)
    typer.echo(json.dumps(counters.as_dict()))
    sys.stdout.flush()


def run_database_worker(url: str, *, host: str, port: int, worker_index: int = 0, workers: int = 1,
                        duration: float | None = None, client_id: str | None = None, username: str | None = None,
                        password: str | None = None, violations_as: str | None = None,
                        config_overrides: dict | None = None, on_start=None) -> dict:
    """An MQTT ingest worker writing into the database at `url`; returns its counters when it stops."""

    from qorgau.core.db import session_factory
    from qorgau.monitoring.mqtt_worker import IngestWorker, WorkerConfig

    session = session_factory(url)()
    session.info["actor"] = f"system:monitoring-ingest-{worker_index}"
    try:
        registry, sink, pipeline = _database_pipeline(session, violations_as, worker=worker_index, workers=workers)
        config = WorkerConfig(host=host, port=port, client_id=client_id or f"qorgau-db-ingest-{worker_index}",
                              username=username, password=password, **(config_overrides or {}))
        worker = IngestWorker(pipeline, config)
        if on_start is not None:
            on_start(worker)
        elif threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: worker.stop())
        counters = worker.run(duration)
        return {**counters.as_dict(), "sensors": len(registry)}
    finally:
        session.close()


def _database_pipeline(session, violations_as: str | None, **pipeline_args):
    """The registry, database sink and pipeline an ingest worker runs on (both worker kinds)."""
    from sqlalchemy import select

    from qorgau.core.models import User
    from qorgau.monitoring.pipeline import Pipeline
    from qorgau.monitoring.sink import DatabaseSink, load_registry

    actor_id = None
    if violations_as:
        actor_id = session.execute(select(User.id).where(User.username == violations_as,
                                                         User.is_active.is_(True))).scalar()
        if actor_id is None:
            raise ValueError(f"--violations-as: no active user {violations_as!r}")
    registry, directory = load_registry(session)
    session.commit()
    sink = DatabaseSink(session, registry, directory, violation_actor_id=actor_id)
    pipeline = Pipeline(registry, sink, **pipeline_args)
    sink.attach(pipeline)
    return registry, sink, pipeline


def run_partitioned_worker(url: str, *, host: str, port: int, name: str | None = None, partitions: int = 16,
                           lease_ttl_s: float = 10.0, protocol: int = 5, accept_plain_topics: bool = True,
                           duration: float | None = None, username: str | None = None, password: str | None = None,
                           group: str | None = None, violations_as: str | None = None,
                           config_overrides: dict | None = None, on_start=None) -> dict:
    """A partitioned ingest worker (partitioned_worker.py) writing into the database at `url`."""

    from qorgau.core.db import engine_for, session_factory
    from qorgau.monitoring.codec import SHARED_GROUP
    from qorgau.monitoring.partitioned_worker import PartitionConfig, PartitionedWorker, default_name
    from qorgau.monitoring.partitions import Leases

    name = name or default_name()
    session = session_factory(url)()
    session.info["actor"] = f"system:monitoring-ingest-{name}"
    try:
        registry, sink, pipeline = _database_pipeline(session, violations_as)
        config = PartitionConfig(host=host, port=port, name=name, partitions=partitions, lease_ttl_s=lease_ttl_s,
                                 protocol=protocol, accept_plain_topics=accept_plain_topics, username=username,
                                 password=password, group=group or SHARED_GROUP, **(config_overrides or {}))
        leases = Leases(engine_for(url), name, partitions, lease_ttl_s)
        worker = PartitionedWorker(pipeline, leases, config, rebuild=sink.rebuild_state)
        if on_start is not None:
            on_start(worker)
        elif threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: worker.stop())
        counters = worker.run(duration)
        return {**counters.as_dict(), "sensors": len(registry), "takeovers": worker.takeovers,
                "releases": worker.releases}
    finally:
        session.close()


@app.command("serve-partitions")
def serve_partitions(
    broker_host: str = typer.Option("127.0.0.1", "--broker-host"),
    broker_port: int = typer.Option(1883, "--broker-port"),
    name: str | None = typer.Option(None, "--name", help="This worker's name in the lease table; keep it stable "
                                    "per worker (its door session for topics without partitions is named by it)."),
    partitions: int = typer.Option(16, "--partitions", min=1, max=4096, help="Topic partitions (fixed for an "
                                   "installation: publishers compute them)."),
    lease_ttl: float = typer.Option(10.0, "--lease-ttl", min=1.0, help="Seconds a worker that stops renewing "
                                    "keeps its partitions before another takes them."),
    mqtt311: bool = typer.Option(False, "--mqtt311", help="Speak MQTT 3.1.1 (NATS); no topics without partitions."),
    plain_topics: bool = typer.Option(True, "--plain-topics/--no-plain-topics", help="Also accept qorgau/v1/<bin>/"
                                      "<zone>/... (shared subscription) and pass it on to its partition."),
    prepare: bool = typer.Option(False, "--prepare", help="Only create every partition's session at the broker "
                                 "(once, before devices publish), then exit."),
    duration: float | None = typer.Option(None, "--duration", help="Stop after this many seconds."),
    violations_as: str | None = typer.Option(None, "--violations-as", help="File persistent exceedances as "
                                             "violations under this user (needs the deviations package)."),
    username: str | None = typer.Option(None, "--username", envvar="QORGAU_MQTT_USERNAME"),
    password: str | None = typer.Option(None, "--password", envvar="QORGAU_MQTT_PASSWORD"),
) -> None:
    """Consume the topic partitions this worker holds a lease on (qorgau/v1/p/<k>/...) into the configured
    database; several workers share the partitions and take over those of a worker that stops."""
    from qorgau.core.config import get_settings
    from qorgau.monitoring.partitioned_worker import PartitionConfig, prepare_sessions

    if prepare:
        prepare_sessions(PartitionConfig(host=broker_host, port=broker_port, partitions=partitions,
                                         protocol=4 if mqtt311 else 5, username=username, password=password))
        typer.echo(json.dumps({"prepared": partitions}))
        return
    try:
        counters = run_partitioned_worker(get_settings().resolved_database_url(), host=broker_host,
                                          port=broker_port, name=name, partitions=partitions, lease_ttl_s=lease_ttl,
                                          protocol=4 if mqtt311 else 5, accept_plain_topics=plain_topics and not mqtt311,
                                          duration=duration, username=username, password=password,
                                          violations_as=violations_as)
    except ValueError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"cannot reach the broker at {broker_host}:{broker_port}: {error}", 1)
    typer.echo(json.dumps(counters))
    sys.stdout.flush()


@app.command("serve-mqtt")
def serve_mqtt(
    broker_host: str = typer.Option("127.0.0.1", "--broker-host"),
    broker_port: int = typer.Option(1883, "--broker-port"),
    worker_index: int = typer.Option(0, "--worker-index", min=0),
    workers: int = typer.Option(1, "--workers", min=1, help="Ingest workers sharing the stream."),
    duration: float | None = typer.Option(None, "--duration", help="Stop after this many seconds."),
    violations_as: str | None = typer.Option(None, "--violations-as", help="File persistent exceedances as "
                                             "violations under this user (needs the deviations package)."),
    client_id: str | None = typer.Option(None, "--client-id"),
    username: str | None = typer.Option(None, "--username", envvar="QORGAU_MQTT_USERNAME"),
    password: str | None = typer.Option(None, "--password", envvar="QORGAU_MQTT_PASSWORD"),
    health_file: Path | None = typer.Option(None, "--health-file", help="Where the worker writes its state "
                                            "every second; default <data dir>/monitoring-ingest-<index>.json."),
) -> None:
    """Consume qorgau/v1/# into the configured database: the sensors registered there, readings, rollups,
    alarms and dead letters; alarms acknowledged in the web inbox reach the engine within a second.
    A database outage holds acknowledgements until the readings are stored (see `ingest-health`)."""
    from qorgau.core.config import get_settings

    if worker_index >= workers:
        _fail("--worker-index must be below --workers")
    health = health_file or default_health_file(worker_index)
    health.parent.mkdir(parents=True, exist_ok=True)
    try:
        counters = run_database_worker(get_settings().resolved_database_url(), host=broker_host, port=broker_port,
                                       worker_index=worker_index, workers=workers, duration=duration,
                                       client_id=client_id, username=username, password=password,
                                       violations_as=violations_as,
                                       config_overrides={"health_file": str(health)})
    except ValueError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"cannot reach the broker at {broker_host}:{broker_port}: {error}", 1)
    typer.echo(json.dumps(counters))
    sys.stdout.flush()


def default_health_file(worker_index: int) -> Path:
    from qorgau.core.config import get_settings

    return get_settings().data_dir / f"monitoring-ingest-{worker_index}.json"


@app.command("ingest-health")
def ingest_health(worker_index: int = typer.Option(0, "--worker-index", min=0),
                  health_file: Path | None = typer.Option(None, "--health-file"),
                  stale_after: float = typer.Option(10.0, "--stale-after", help="Seconds without an update "
                                                    "after which the worker counts as stopped.")) -> None:
    """Print the ingest worker's state as JSON; exit 0 when it is running with broker and database, 1 when
    it is held up (database or broker unavailable), 2 when it has stopped updating its state."""
    path = health_file or default_health_file(worker_index)
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        typer.echo(json.dumps({"status": "unknown", "reason": f"no state in {path}"}))
        raise typer.Exit(2)
    age = time.time() - float(state.get("at", 0))
    if age > stale_after:
        status, code = "stopped", 2
    elif state.get("database") != "ok" or state.get("broker") != "connected":
        status, code = "degraded", 1
    else:
        status, code = "ok", 0
    typer.echo(json.dumps({"status": status, "age_s": round(age, 1), **state}))
    raise typer.Exit(code)


@app.command()
def prune(keep_days: int = typer.Option(90, "--keep-days", min=1, help="Raw readings kept, in days."),
          around_alarms_min: int = typer.Option(60, "--around-alarms-min", min=0,
                                                help="Readings this close to an alarm of their sensor are kept.")) -> None:
    """Retention: delete raw readings older than --keep-days except around alarms (run it daily);
    minute rollups, alarms and dead letters stay."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.monitoring import service

    with unit_of_work(get_settings().resolved_database_url(), actor="system:retention") as session:
        result = service.prune_readings(session=session, keep_days=keep_days, around_alarms_s=around_alarms_min * 60.0)
    typer.echo(json.dumps(result))


@app.command("watch-lone-workers")
def watch_lone_workers(minutes: int = typer.Option(60, "--minutes", min=1, help="Alone longer than this: tell."),
                       now: str = typer.Option("", "--now", help="ISO time to act as now (default: now)")) -> None:
    """Tell the enterprise's people about anyone alone in a zone longer than --minutes (run every few minutes)."""
    from datetime import UTC, datetime

    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.monitoring import service

    moment = datetime.fromisoformat(now).astimezone(UTC) if now else None
    with unit_of_work(get_settings().resolved_database_url(), actor="system:lone-worker") as session:
        told = service.watch_lone_workers(session=session, now=moment, minutes=minutes)
        typer.echo(json.dumps({"told": [{"zone_id": s.zone_id, "badge": s.badge} for s in told]}))
