"""`qorgau connectors ...` (connectors run by the platform) and `qorgau edge ...` (the agent at the plant)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shlex
import signal
import subprocess
import threading
import time
from pathlib import Path

import typer

app = typer.Typer(help="Connectors to plants' control systems (OPC UA, Modbus TCP, Sparkplug B, SenML).",
                  no_args_is_help=True)
edge_app = typer.Typer(help="The edge agent: connectors at the plant, local alarms, store and forward.",
                       no_args_is_help=True)
extra_apps = {"edge": edge_app}


async def _run_sources(configs, emit, stop: asyncio.Event, on_tick=None, tick_s: float = 1.0) -> None:
    from qorgau.connectors.sources import MqttSource, make_source

    tasks, mqtt = [], []
    for config in configs:
        source = make_source(config, emit)
        if isinstance(source, MqttSource):
            source.start()
            mqtt.append(source)
        else:
            tasks.append(asyncio.create_task(_keep_running(source, stop, config.id)))
    try:
        while not stop.is_set():
            if on_tick is not None:
                await asyncio.to_thread(on_tick)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), tick_s)
    finally:
        for source in mqtt:
            source.stop()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _keep_running(source, stop: asyncio.Event, connector_id: int) -> None:
    """Reconnect with back-off: a plant's server restarting must not end the connector."""
    delay = 1.0
    while not stop.is_set():
        try:
            await source.run(stop)
            delay = 1.0
        except Exception as error:  # the connection failed or dropped: log, wait, try again
            logging.getLogger(__name__).warning("connector %s: %s; retrying in %.0f s", connector_id, error, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 60.0)


def _stop_on_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


@app.command("run")
def run(connector: list[int] = typer.Option([], "--connector", help="Only these connector ids (default: every "
                                                                     "active one the platform runs itself)")) -> None:
    """Run active connectors on the platform, feeding monitoring's ingest, until stopped."""
    from sqlalchemy import select

    from qorgau.connectors import service
    from qorgau.connectors.feed import Feed
    from qorgau.connectors.models import Connector, ConnectorStatus
    from qorgau.core.config import get_settings
    from qorgau.core.db import session_factory

    logging.basicConfig(level=logging.INFO)
    session = session_factory(get_settings().resolved_database_url())()
    session.info["actor"] = "system:connectors"
    query = select(Connector).where(Connector.status == ConnectorStatus.ACTIVE, Connector.protocol != "senml_http")
    if connector:
        query = query.where(Connector.id.in_(connector))
    configs = [service.runtime_config(session, c) for c in session.execute(query).scalars()]
    feed = Feed(session)
    lock = threading.Lock()

    def emit(batch) -> None:
        with lock:
            feed.push(batch)

    async def main() -> None:
        stop = asyncio.Event()
        _stop_on_signals(asyncio.get_running_loop(), stop)
        await _run_sources(configs, emit, stop)

    typer.echo(f"Running {len(configs)} connector(s).")
    asyncio.run(main())


def _hook(command: str):
    """The local output: each alarm event as a JSON line, printed and (when given) piped to a command."""
    from qorgau.connectors.edge import print_alarm

    if not command:
        return print_alarm

    def run_hook(event) -> None:
        print_alarm(event)
        line = json.dumps({"alarm": event.kind, "sensor": event.sensor_id, "type": event.alarm_type,
                           "severity": event.severity, "status": event.status, "ts": event.ts, "value": event.value})
        try:
            subprocess.run(shlex.split(command), input=line.encode(), timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            logging.getLogger(__name__).error("alarm hook failed: %s", error)
    return run_hook


@edge_app.command("run")
def edge_run(config: Path = typer.Option(..., exists=True, dir_okay=False, help="The agent's configuration (JSON "
                                                                                  "from /api/v1/connectors/edge-config)"),
             queue: Path = typer.Option(Path("edge-queue.db"), help="The on-disk queue (SQLite)"),
             platform: str = typer.Option("", help="The platform's base URL; empty: local only"),
             token_file: Path | None = typer.Option(None, exists=True, dir_okay=False,
                                                    help="A file holding a telemetry API token"),
             on_alarm: str = typer.Option("", help="Command run for each alarm event (JSON on stdin): a siren, "
                                                   "a display"),
             max_rows: int = typer.Option(5_000_000, min=1000, help="Queue bound (oldest dropped, counted)"),
             report_every_s: float = typer.Option(60.0, min=5.0)) -> None:
    """Run the agent: read the connectors, alarm locally, queue, forward, report drift."""
    from qorgau.connectors.edge import DiskQueue, EdgeAgent, HttpUplink

    logging.basicConfig(level=logging.INFO)
    data = json.loads(config.read_text(encoding="utf-8"))
    uplink = None
    if platform:
        if token_file is None:
            typer.echo("--token-file is needed with --platform", err=True)
            raise typer.Exit(2)
        uplink = HttpUplink(platform, token_file.read_text(encoding="utf-8").strip())
    agent = EdgeAgent(data, DiskQueue(queue, max_rows=max_rows), uplink, on_alarm=_hook(on_alarm))
    last_report = [0.0]

    def tick() -> None:
        agent.forward()
        if time.time() - last_report[0] >= report_every_s:
            last_report[0] = time.time()
            agent.report()

    async def main() -> None:
        stop = asyncio.Event()
        _stop_on_signals(asyncio.get_running_loop(), stop)
        await _run_sources(agent.connectors, agent.take, stop, on_tick=tick)

    typer.echo(f"Edge agent {agent.name}: {len(agent.connectors)} connector(s), queue {queue}.")
    asyncio.run(main())


@edge_app.command("status")
def edge_status(queue: Path = typer.Option(Path("edge-queue.db"), exists=True, dir_okay=False)) -> None:
    """How many readings and status changes wait in the queue, and how many were dropped because it was full."""
    from qorgau.connectors.edge import DiskQueue

    q = DiskQueue(queue)
    head = q.head(1)
    typer.echo(json.dumps({"queued": q.depth(), "dropped": q.counter("dropped"),
                           "oldest_ts": head[0][3] if head else None, "changes_queued": q.changes_depth(),
                           "changes_dropped": q.counter("dropped_changes")}))
