"""A private NATS server with JetStream and its MQTT listener (MQTT 3.1.1), for tests and benchmarks.

NATS clusters (several servers with a `cluster` block share streams and MQTT sessions); one server
is enough to test what the ingest workers rely on: persistent sessions kept in JetStream, QoS-1
redelivery of what was not acknowledged, one connection per client id."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.mosquitto import free_port, start_listening


def find_nats() -> str | None:
    for path in ("/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"):
        if Path(path).exists():
            return path
    return shutil.which("nats-server")


class PrivateNats:
    """`with PrivateNats() as b:` starts nats-server with MQTT on a free loopback port (`b.port`)."""

    def __init__(self) -> None:
        binary = find_nats()
        if binary is None:
            raise RuntimeError("nats-server is not installed")
        self.binary = binary
        self.port = free_port()
        self.client_port = free_port()
        self._tmp = tempfile.TemporaryDirectory(prefix="qorgau-nats-")
        self.data_dir = Path(self._tmp.name)
        self.conf = self.data_dir / "nats.conf"
        self.conf.write_text("\n".join([
            "server_name: qorgau_test",
            f"listen: 127.0.0.1:{self.client_port}",
            f"jetstream {{ store_dir: \"{self.data_dir}/js\", max_memory_store: 256MB, max_file_store: 1GB }}",
            # ack_wait: how long a delivered QoS-1 message waits for its PUBACK before NATS sends it again
            # on the same session; max_ack_pending: messages in flight per session.
            f"mqtt {{ listen: 127.0.0.1:{self.port}, ack_wait: \"3s\", max_ack_pending: 10000 }}",
            "",
        ]))
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> PrivateNats:
        self.proc = start_listening([self.binary, "-c", str(self.conf)], self.port, "nats-server", timeout)
        return self

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self._tmp.cleanup()

    def __enter__(self) -> PrivateNats:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
