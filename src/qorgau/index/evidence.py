"""Evidence files of a reply: photos re-encoded from their pixels (no EXIF or GPS survives), PDFs kept as sent."""

from __future__ import annotations

import io
import re

from PIL import Image, ImageOps, UnidentifiedImageError

from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_

MAX_FILES = 3
MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 2560
MAX_PIXELS = 40_000_000


def _safe_name(name: str, extension: str) -> str:
    stem = re.sub(r"[^\w.\- ]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" ._")[:120] or "evidence"
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return f"{stem}.{extension}"


def clean(filename: str, data: bytes) -> tuple[str, str, bytes]:
    """(safe file name, media type, content) of one evidence file, or ValidationFailed."""
    if not data:
        raise ValidationFailed(N_("The evidence file is empty."), field="evidence")
    if len(data) > MAX_BYTES:
        raise ValidationFailed(N_("Each evidence file may be at most 5 MB."), field="evidence")
    if data.startswith(b"%PDF-"):
        return _safe_name(filename, "pdf"), "application/pdf", data
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            image = ImageOps.exif_transpose(source)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationFailed(N_("Evidence must be a photo (JPEG, PNG) or a PDF document."), field="evidence")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    fresh = Image.new("RGB", image.size, "white")  # from the pixels alone: no metadata is carried over
    converted = image.convert("RGBA")
    fresh.paste(converted, mask=converted.getchannel("A"))
    buffer = io.BytesIO()
    fresh.save(buffer, format="JPEG", quality=85, optimize=True)
    return _safe_name(filename, "jpg"), "image/jpeg", buffer.getvalue()
