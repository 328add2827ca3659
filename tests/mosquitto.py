"""A private Mosquitto for tests and benchmarks: own config, free port, persistence dir."""

from __future__ import annotations

import getpass
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

MOSQUITTO_CANDIDATES = ("/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto")


def find_mosquitto() -> str | None:
    """Path of the mosquitto binary, or None."""
    for path in MOSQUITTO_CANDIDATES:
        if Path(path).exists():
            return path
    return shutil.which("mosquitto")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_listening(argv: list[str], port: int, name: str, timeout: float) -> subprocess.Popen:
    """Start a test server and wait until it accepts connections on `port` (its stderr tail if it dies)."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else b""
            raise RuntimeError(f"{name} exited: {err.decode(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    raise RuntimeError(f"{name} did not open port {port}")


def broker_config(port: int, data_dir: Path, *, persistence: bool = True) -> str:
    """The config used here; docs/monitoring/mqtt.md explains each line for production."""
    return "\n".join([
        f"listener {port} 127.0.0.1",
        # Run as whoever started us: as root, mosquitto would switch to user "mosquitto" and then
        # could not write its persistence file into our private directory.
        f"user {getpass.getuser()}",
        "allow_anonymous true",
        f"persistence {'true' if persistence else 'false'}",
        f"persistence_location {data_dir}/",
        "autosave_interval 1",
        # QoS-1 readings wait for an offline persistent session instead of being dropped at 1,000.
        "max_queued_messages 0",
        # The worker acknowledges after committing a batch; 20 in flight would throttle it.
        "max_inflight_messages 0",
        f"log_dest file {data_dir}/mosquitto.log",
        "",
    ])


class PrivateBroker:
    """`with PrivateBroker() as b:` starts mosquitto on a free loopback port; `restart()` keeps its data."""

    def __init__(self, port: int | None = None, data_dir: Path | None = None, persistence: bool = True):
        binary = find_mosquitto()
        if binary is None:
            raise RuntimeError("mosquitto is not installed (apt-get install mosquitto)")
        self.binary = binary
        self.port = port or free_port()
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="qorgau-mqtt-")
        self.data_dir = Path(data_dir or self._tmp.name)  # type: ignore[union-attr]
        self.conf = self.data_dir / "mosquitto.conf"
        self.conf.write_text(broker_config(self.port, self.data_dir, persistence=persistence))
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 10.0) -> PrivateBroker:
        self.proc = start_listening([self.binary, "-c", str(self.conf)], self.port, "mosquitto", timeout)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM: mosquitto writes its persistence file (queued QoS-1 messages) and exits."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, pause_s: float = 0.0) -> None:
        self.stop()
        time.sleep(pause_s)
        self.start()

    def close(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> PrivateBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
