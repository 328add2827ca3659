"""Voice notes and short videos: accepted, re-encoded from samples and pixels, nothing of the phone's
metadata kept; anything else refused with the field named."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest
from sqlalchemy import select

MARK = "WorkerPhone SM-A525F serial 8HX2Q"


def _recording(video: bool, seconds: float = 1.0) -> bytes:
    """A small MP4 with a device comment and a title, as phones write them."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as out:
        out.metadata["comment"] = MARK
        out.metadata["title"] = MARK
        streams = []
        if video:
            picture = out.add_stream("mpeg4", rate=25)
            picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
            streams.append(picture)
        sound = out.add_stream("aac", rate=44100, layout="mono")  # every stream before the first packet
        streams.append(sound)
        if video:
            for i in range(int(25 * seconds)):
                frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 9 % 255, dtype=np.uint8), format="rgb24")
                for packet in picture.encode(frame):
                    out.mux(packet)
        samples = np.sin(np.linspace(0, 880 * np.pi * seconds, int(44100 * seconds))).astype(np.float32)[None, :]
        for start in range(0, samples.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(samples[:, start:start + 1024], format="fltp", layout="mono")
            frame.sample_rate = 44100
            for packet in sound.encode(frame):
                out.mux(packet)
        for stream in streams:
            for packet in stream.encode(None):
                out.mux(packet)
    return buffer.getvalue()


@pytest.mark.parametrize("video", [True, False])
def test_recordings_are_reencoded_without_the_phones_metadata(video):
    from qorgau.core.media import clean_attachment

    original = _recording(video)
    assert MARK.encode() in original
    clean, media_type = clean_attachment(original)
    assert media_type == ("video/mp4" if video else "audio/mp4")
    assert MARK.encode() not in clean
    with av.open(io.BytesIO(clean)) as container:
        assert not {"comment", "title", "location"} & set(container.metadata)
        kinds = sorted(s.type for s in container.streams)
        assert kinds == (["audio", "video"] if video else ["audio"])
        assert 0.8 < float(container.duration / av.time_base) < 1.5


def test_long_recordings_and_other_files_are_refused():
    from qorgau.core.errors import ValidationFailed
    from qorgau.core.media import MAX_SECONDS, clean_attachment

    with pytest.raises(ValidationFailed) as refused:
        clean_attachment(_recording(False, seconds=MAX_SECONDS + 2))
    assert refused.value.field == "photos" and refused.value.params == {"n": MAX_SECONDS}
    with pytest.raises(ValidationFailed):
        clean_attachment(b"%PDF-1.4 not a recording")


def test_a_worker_files_a_voice_note_and_the_officer_can_play_it(client, sign_in, session):
    from qorgau.speaks.models import Attachment, Report

    before = set(session.scalars(select(Report.id)))  # ids are random: the newest is not the highest
    form = client.get("/speak/")
    token = client.cookies.get("qorgau_csrf")
    filed = client.post("/speak/new", data={"kind": "hazard", "enterprise_id": "1", "category": "not_sure",
                                            "description": "Голосовое сообщение: в цехе обжига нет вытяжки",
                                            "csrf_token": token},
                        files=[("photos", ("note.m4a", _recording(False), "audio/mp4"))])
    assert form.status_code == 200 and filed.status_code == 200, filed.text[:500]
    (report,) = session.scalars(select(Report).where(Report.id.not_in(before))).all()
    attachment = session.execute(select(Attachment).where(Attachment.report_id == report.id)).scalar()
    assert attachment.media_type == "audio/mp4" and MARK.encode() not in attachment.content_encrypted
    officer = sign_in("admin")
    page = officer.get(f"/speaks/reports/{report.id}")
    assert "<audio" in page.text
    played = officer.get(f"/speaks/reports/{report.id}/attachments/{attachment.id}")
    assert played.status_code == 200 and played.headers["content-type"] == "audio/mp4"
    assert MARK.encode() not in played.content
