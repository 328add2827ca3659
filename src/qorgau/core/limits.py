"""Limits checked before an upload is parsed or decoded, so that one file cannot stall the server.

Spreadsheets: an XLSX workbook is a zip archive; its central directory is read first and the file is
refused when it declares too many entries, too many uncompressed bytes in all, or one entry expands more
than `max_ratio` times (a zip bomb). Python's zipfile never inflates an entry past its declared size (a
lying directory gives a short read and a CRC error), so the check holds for the parse that follows.
Rows, columns and cells are counted while the sheet streams, and reading stops at the first one over.
CSV: bytes, rows and columns. Images: the pixel count from the header, before a pixel is decoded.
Every refusal is a `LimitExceeded` (HTTP 422) with a translated message saying which limit.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_


class LimitExceeded(ValidationFailed):
    """An upload over one of the limits below; nothing was parsed past the limit."""

    code = "limit_exceeded"


@dataclass(frozen=True)
class TableLimits:
    max_bytes: int = 20 * 1024 * 1024          # the file as uploaded
    max_uncompressed: int = 100 * 1024 * 1024  # all entries of an XLSX archive, inflated
    max_ratio: int = 100                       # inflated / compressed, for any entry over 1 MiB inflated
    max_entries: int = 2_000                   # files inside an XLSX archive
    max_rows: int = 200_000
    max_columns: int = 500
    max_cells: int = 5_000_000


TABLE_LIMITS = TableLimits()
RATIO_FLOOR = 1024 * 1024  # small entries may compress very well without harm


def check_size(data: bytes, limits: TableLimits | None = None, field: str = "file") -> None:
    limits = limits or TABLE_LIMITS
    if len(data) > limits.max_bytes:
        raise LimitExceeded(N_("The file is larger than %(n)s MB."), field=field,
                            params={"n": limits.max_bytes // (1024 * 1024)})


def check_zip(data: bytes, limits: TableLimits | None = None, field: str = "file") -> None:
    """Refuse an archive from its central directory alone: entries, inflated size, compression ratio."""
    limits = limits or TABLE_LIMITS
    check_size(data, limits, field)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationFailed(N_("The file is not a readable XLSX workbook."), field=field)
    if len(entries) > limits.max_entries:
        raise LimitExceeded(N_("The workbook holds more than %(n)s parts."), field=field,
                            params={"n": limits.max_entries})
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > RATIO_FLOOR and entry.file_size > limits.max_ratio * max(entry.compress_size, 1):
            raise LimitExceeded(N_("The workbook expands more than %(n)s times when unpacked; it is refused "
                                   "as a possible zip bomb."), field=field, params={"n": limits.max_ratio})
    if total > limits.max_uncompressed:
        raise LimitExceeded(N_("The workbook unpacks to more than %(n)s MB."), field=field,
                            params={"n": limits.max_uncompressed // (1024 * 1024)})


class RowCounter:
    """Counts rows and cells while a table streams; raises at the first row over a limit."""

    def __init__(self, limits: TableLimits | None = None, field: str = "file"):
        self.limits, self.field, self.rows, self.cells = limits or TABLE_LIMITS, field, 0, 0

    def add(self, width: int) -> None:
        self.rows += 1
        self.cells += width
        if self.rows > self.limits.max_rows:
            raise LimitExceeded(N_("The file has more than %(n)s rows."), field=self.field,
                                params={"n": self.limits.max_rows})
        if width > self.limits.max_columns:
            raise LimitExceeded(N_("Row %(row)s has more than %(n)s columns."), field=self.field,
                                params={"row": self.rows, "n": self.limits.max_columns})
        if self.cells > self.limits.max_cells:
            raise LimitExceeded(N_("The file has more than %(n)s cells."), field=self.field,
                                params={"n": self.limits.max_cells})


def limited_rows(rows: Iterable[Sequence], limits: TableLimits | None = None, field: str = "file") -> Iterator[Sequence]:
    """The rows of a streaming reader, stopping with LimitExceeded at the first one over a limit."""
    counter = RowCounter(limits, field)
    for row in rows:
        counter.add(len(row))
        yield row


MAX_PIXELS = 40_000_000
NOT_PICTURES = {"MPEG"}  # recognised by Pillow but a video: left to the recording decoder


def image_size(data: bytes, field: str = "photos") -> tuple[int, int] | None:
    """Width and height from an image's header (no pixel decoded), or None when it is not an image."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return None if image.format in NOT_PICTURES else image.size
    except Image.DecompressionBombError:  # Pillow's own guard, at twice the limit, also from the header
        check_pixels(0, 0, field)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    return None


def check_pixels(width: int, height: int, field: str = "photos", max_pixels: int = MAX_PIXELS) -> None:
    if width <= 0 or height <= 0 or width * height > max_pixels:
        raise LimitExceeded(N_("The picture has more than %(n)s megapixels."), field=field,
                            params={"n": max_pixels // 1_000_000})
