"""Fault drills for the tests and `benchmarks/faults.py`: hostile uploads, and a private PostgreSQL that
can be stopped and started again without touching any other database server.

The hostile files are built here, from nothing, so a drill never downloads anything:
- `zip_bomb_xlsx`: a valid-looking workbook whose one sheet inflates to `inflated_mb` megabytes;
- `pixel_bomb_png`: a PNG whose header declares `side` x `side` pixels (the pixels are never there);
- `long_recording_mkv`: `seconds` of audio in Matroska written as a live stream, so the container
  declares no duration and only decoding can tell how long it is.
"""

from __future__ import annotations

import getpass
import io
import shutil
import socket
import struct
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path

_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  b'<Default Extension="xml" ContentType="application/xml"/>'
                  b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                  b'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
                  b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                  b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                  b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def zip_bomb_xlsx(inflated_mb: int = 200) -> bytes:
    """An XLSX whose sheet XML inflates to about `inflated_mb` MB of identical rows."""
    row = b'<row><c t="inlineStr"><is><t>bomb</t></is></c></row>'
    chunk = row * (1024 * 1024 // len(row))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData>')
            for _ in range(inflated_mb):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def pixel_bomb_png(side: int = 50_000) -> bytes:
    """A small PNG whose header declares side x side RGB pixels."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + _png_chunk(b"IEND", b""))


def long_recording_mkv(seconds: int = 600, rate: int = 8000) -> bytes:
    """`seconds` of quiet 16-bit mono PCM in Matroska written as a live stream (no duration declared)."""
    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="matroska", options={"live": "1"}) as output:
        stream = output.add_stream("pcm_s16le", rate=rate, layout="mono")
        samples = np.zeros((1, rate), dtype=np.int16)
        for second in range(seconds):
            frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
            frame.sample_rate, frame.pts = rate, second * rate
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl, or None."""
    root = Path("/usr/lib/postgresql")
    versions = sorted((p for p in root.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0) if root.exists() else []
    return versions[-1] if versions else None


class PrivatePostgres:
    """`with PrivatePostgres() as pg:` a throwaway cluster on a free loopback port (trust auth, no fsync);
    `stop()` and `start()` make an outage of this server alone. As root it runs as the `postgres` user."""

    def __init__(self, port: int | None = None):
        binary = postgres_bin()
        if binary is None:
            raise RuntimeError("PostgreSQL server binaries are not installed")
        self.bin = binary
        self.port = port or _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="qorgau-pg-"))
        self.data = self.folder / "data"
        self._as = ["runuser", "-u", "postgres", "--"] if getpass.getuser() == "root" else []
        if self._as:
            shutil.chown(self.folder, "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       cwd=self.folder, timeout=120)

    def __enter__(self) -> PrivatePostgres:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8")
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                  "-w", "-t", "60", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)


def environment_ready() -> bool:
    """Whether a private PostgreSQL can be made here (binaries, and a postgres user when running as root)."""
    if postgres_bin() is None:
        return False
    if getpass.getuser() == "root":
        return shutil.which("runuser") is not None and _user_exists("postgres")
    return True


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


__all__ = ["PrivatePostgres", "environment_ready", "long_recording_mkv", "pixel_bomb_png", "zip_bomb_xlsx"]
