"""Attachments: photos are decoded and re-encoded from pixels, so no metadata (EXIF, GPS, XMP,
comments, thumbnails) can survive."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_

MAX_PIXELS = 40_000_000
MAX_SIDE = 2560


def clean_photo(data: bytes) -> tuple[bytes, str]:
    """Re-encode an image as JPEG (or PNG when it has transparency); returns (bytes, media type)."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            image = ImageOps.exif_transpose(source)  # keep the picture upright once the EXIF is gone
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationFailed(N_("Only photos (JPEG, PNG, WebP, GIF) can be attached."), field="photos")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # A fresh image from the pixels alone: nothing of the original's info dictionary is carried over.
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    clean = Image.new("RGBA" if has_alpha else "RGB", image.size)
    clean.paste(image.convert("RGBA" if has_alpha else "RGB"))
    buffer = io.BytesIO()
    if has_alpha:
        clean.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue(), "image/png"
    clean.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue(), "image/jpeg"
