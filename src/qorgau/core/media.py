"""Attachments: photos are decoded and re-encoded from pixels, so no metadata (EXIF, GPS, XMP,
comments, thumbnails) can survive."""

from __future__ import annotations

import io
from fractions import Fraction

from PIL import Image, ImageOps, UnidentifiedImageError

from qorgau.core import limits
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_

MAX_PIXELS = limits.MAX_PIXELS
MAX_SIDE = 2560


def clean_photo(data: bytes) -> tuple[bytes, str]:
    """Re-encode an image as JPEG (or PNG when it has transparency); returns (bytes, media type).
    The pixel count is judged from the header, before any pixel is decoded."""
    size = limits.image_size(data)
    if size is None:
        raise ValidationFailed(N_("Only photos (JPEG, PNG, WebP, GIF) can be attached."), field="photos")
    limits.check_pixels(*size)
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            image = ImageOps.exif_transpose(source)  # keep the picture upright once the EXIF is gone
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationFailed(N_("The picture could not be read; it may be damaged."), field="photos")
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


MAX_SECONDS = 60  # a voice note or a short clip; longer ones are refused rather than cut silently
VIDEO_MAX_HEIGHT = 720
MAX_FRAME_RATE = 60


def _too_long() -> ValidationFailed:
    return limits.LimitExceeded(N_("Recordings can be at most %(n)s seconds long."), field="photos",
                                params={"n": MAX_SECONDS})


def _unreadable() -> ValidationFailed:
    return ValidationFailed(N_("The recording could not be read; it may be damaged."), field="photos")


def clean_recording(data: bytes) -> tuple[bytes, str]:
    """Decode a voice note or a short video and encode it again from its samples and pixels into a new
    MP4 (H.264 + AAC, or AAC alone): container metadata (GPS location, device, dates), chapters, subtitles,
    data streams and codec side data of the original cannot survive. Returns (bytes, media type).

    The length is judged on what is decoded (audio samples, video frames), not on what the container
    declares, and decoding stops as soon as it passes the limit; frames over the pixel limit are refused
    from the stream's header before decoding."""
    import av

    try:
        return _reencode(av, data)
    except ValidationFailed:
        raise
    except (av.FFmpegError, ValueError, OSError, MemoryError, EOFError):
        raise _unreadable()


def _reencode(av, data: bytes) -> tuple[bytes, str]:
    try:
        source = av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, ValueError):
        raise ValidationFailed(N_("Attach a photo, a voice note or a short video."), field="photos")
    with source:
        video_in = next(iter(source.streams.video), None)
        audio_in = next(iter(source.streams.audio), None)
        if video_in is None and audio_in is None:
            raise ValidationFailed(N_("Attach a photo, a voice note or a short video."), field="photos")
        declared = float(source.duration / av.time_base) if source.duration else 0.0
        if declared > MAX_SECONDS:
            raise _too_long()
        buffer = io.BytesIO()
        with av.open(buffer, mode="w", format="mp4") as output:
            video_out = audio_out = None
            if video_in is not None:
                width, height = video_in.codec_context.width, video_in.codec_context.height
                limits.check_pixels(width, height)
                if height > VIDEO_MAX_HEIGHT:
                    width, height = int(width * VIDEO_MAX_HEIGHT / height), VIDEO_MAX_HEIGHT
                rate = video_in.average_rate or Fraction(30)
                video_out = output.add_stream("libx264", rate=rate, options={"preset": "veryfast", "crf": "28"})
                video_out.width, video_out.height = width // 2 * 2, height // 2 * 2
                video_out.pix_fmt = "yuv420p"
            if audio_in is not None:
                audio_out = output.add_stream("aac", rate=44100, layout="mono")
            resampler = av.AudioResampler(format="fltp", layout="mono", rate=44100) if audio_out else None
            streams = [s for s in (video_in, audio_in) if s is not None]
            frames, audio_seconds = 0, 0.0
            for frame in source.decode(*streams):
                if isinstance(frame, av.VideoFrame) and video_out is not None:
                    frames += 1
                    if frames > MAX_SECONDS * MAX_FRAME_RATE or frames / float(rate) > MAX_SECONDS:
                        raise _too_long()
                    picture = frame.reformat(width=video_out.width, height=video_out.height, format="yuv420p")
                    # Fresh timing (frame number at the stream's rate): nothing of the original's clock is kept.
                    picture.pts, picture.time_base = frames - 1, 1 / Fraction(rate)
                    output.mux(video_out.encode(picture))
                elif isinstance(frame, av.AudioFrame) and audio_out is not None and resampler is not None:
                    audio_seconds += frame.samples / (frame.sample_rate or 44100)
                    if audio_seconds > MAX_SECONDS + 0.5:
                        raise _too_long()
                    for chunk in resampler.resample(frame):
                        chunk.pts = None
                        output.mux(audio_out.encode(chunk))
            for stream in (video_out, audio_out):
                if stream is not None:
                    output.mux(stream.encode(None))
    return buffer.getvalue(), "video/mp4" if video_in is not None else "audio/mp4"


def clean_attachment(data: bytes) -> tuple[bytes, str]:
    """A photo re-encoded from pixels, or a recording re-encoded from samples and pixels. Anything Pillow
    recognises as a picture is judged as one (never handed on to the video decoder)."""
    if limits.image_size(data) is not None:
        return clean_photo(data)
    return clean_recording(data)
