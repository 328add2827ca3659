"""A course author attaches a video to a lesson: it is re-encoded from its pixels (no metadata of the file
survives), limited in length by core.media, played on the lesson page with <video controls>, served with byte
ranges for phones, and refused when it is a picture, sound only or too long. The clips are generated here."""

from __future__ import annotations

import io
from fractions import Fraction

from sqlalchemy import select


def _clip(seconds: float, *, fps: int = 10, size: tuple[int, int] = (160, 120), comment: str = "") -> bytes:
    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as output:
        if comment:
            output.metadata["comment"] = comment
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(int(seconds * fps)):
            pixels = np.full((size[1], size[0], 3), (i * 7) % 255, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def _sound_only(seconds: float) -> bytes:
    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as output:
        stream = output.add_stream("aac", rate=44100, layout="mono")
        samples = np.zeros((1, 1024), dtype=np.float32)
        for i in range(int(seconds * 44100 / 1024)):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44100, i * 1024
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def _school_lesson(session):
    from qorgau.core.models import User
    from qorgau.training.models import Course, Enrolment

    school = session.execute(select(Course).where(Course.key == "inspectors-school")).scalar_one()
    inspector = session.execute(select(User).where(User.username == "inspector")).scalar_one()
    enrolment = session.execute(select(Enrolment).where(Enrolment.user_id == inspector.id,
                                                        Enrolment.course_id == school.id)).scalar_one()
    return school, school.lessons[0], enrolment


def test_an_author_attaches_a_video_that_plays_on_the_lesson_page(sign_in, session):
    import av

    from qorgau.core.models import AuditEntry
    from qorgau.training.models import LessonVideo

    school, lesson, enrolment = _school_lesson(session)
    upload_url = f"/training/courses/{school.id}/lessons/{lesson.id}/video"
    clip = _clip(2.0, comment="GPS 43.2389 76.8897 phone of the author")

    officer = sign_in("officer")  # a union officer of a region: authoring the federation's courses is national
    assert officer.post(upload_url, files={"video": ("clip.mp4", clip, "video/mp4")}).status_code == 403

    author = sign_in("federation")
    page = author.get(f"/training/courses/{school.id}?lang=ru")
    assert page.status_code == 200 and "Прикрепить видео" in page.text
    done = author.post(upload_url, files={"video": ("clip.mp4", clip, "video/mp4")}, follow_redirects=False)
    assert done.status_code == 303, done.text
    session.rollback()  # a fresh read transaction sees what the requests committed
    stored = session.execute(select(LessonVideo).where(LessonVideo.lesson_id == lesson.id)).scalar_one()
    assert stored.media_type == "video/mp4" and stored.size == len(stored.content) and stored.content != clip
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "attach_video")).scalars().all()
    assert entry and entry[-1].object_id == str(lesson.id)

    inspector = sign_in("inspector")
    lesson_page = inspector.get(f"/training/enrolments/{enrolment.id}/lessons/{lesson.id}?lang=kk")
    assert f'<video controls playsinline preload="metadata" class="wide" id="lesson-video" ' \
           f'src="/training/lessons/{lesson.id}/video">' in lesson_page.text
    served = inspector.get(f"/training/lessons/{lesson.id}/video")
    assert served.status_code == 200 and served.headers["content-type"] == "video/mp4"
    assert served.headers["accept-ranges"] == "bytes"
    with av.open(io.BytesIO(served.content)) as container:
        assert "GPS" not in str(dict(container.metadata)) and b"GPS" not in served.content
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (160, 120)
        assert sum(1 for _ in container.decode(video)) == 20
    part = inspector.get(f"/training/lessons/{lesson.id}/video", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == served.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(served.content)}"
    tail = inspector.get(f"/training/lessons/{lesson.id}/video", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == served.content[-10:]
    beyond = inspector.get(f"/training/lessons/{lesson.id}/video", headers={"Range": f"bytes={len(served.content)}-"})
    assert beyond.status_code == 416

    # another lesson has no video: no player, and its clip address is not found
    other = school.lessons[1]
    assert "<video" not in inspector.get(f"/training/enrolments/{enrolment.id}/lessons/{other.id}").text
    assert inspector.get(f"/training/lessons/{other.id}/video").status_code == 404


def test_a_picture_a_sound_only_file_a_long_clip_and_nothing_are_refused(sign_in, session):
    from PIL import Image

    from qorgau.training.models import LessonVideo

    school, lesson, _enrolment = _school_lesson(session)
    author = sign_in("federation")
    url = f"/training/courses/{school.id}/lessons/{lesson.id}/video"
    picture = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(picture, format="PNG")
    cases = [
        (("plan.png", picture.getvalue(), "image/png"), "видеофайлом, а не изображением"),
        (("voice.m4a", _sound_only(1.0), "audio/mp4"), "только звук"),
        (("long.mp4", _clip(61.0, fps=2, size=(32, 32)), "video/mp4"), "60"),
        (("broken.mp4", b"\x00\x00\x00 ftypisom not really a video", "video/mp4"), None),
    ]
    for upload, words in cases:
        answer = author.post(url + "?lang=ru", files={"video": upload})
        assert answer.status_code == 422, upload[0]
        assert f'id="video-{lesson.id}-error"' in answer.text
        if words:
            assert words in answer.text, upload[0]
    empty = author.post(url + "?lang=ru", files={"video": ("", b"", "application/octet-stream")})
    assert empty.status_code == 422 and "Выберите видеофайл" in empty.text
    session.rollback()  # a fresh read transaction sees what the requests committed
    assert session.execute(select(LessonVideo).where(LessonVideo.lesson_id == lesson.id)).first() is None


def test_the_api_attaches_and_serves_a_lesson_video(sign_in, session):
    school, lesson, _enrolment = _school_lesson(session)
    url = f"/api/v1/training/courses/{school.id}/lessons/{lesson.id}/video"
    clip = _clip(1.0)
    assert sign_in("officer").post(url, files={"file": ("clip.mp4", clip, "video/mp4")}).status_code == 403
    answer = sign_in("federation").post(url, files={"file": ("clip.mp4", clip, "video/mp4")})
    assert answer.status_code == 201 and answer.json()["media_type"] == "video/mp4"
    served = sign_in("inspector").get(f"/api/v1/training/lessons/{lesson.id}/video")
    assert served.status_code == 200 and served.headers["content-type"] == "video/mp4"
    assert len(served.content) == answer.json()["size"]
    refused = sign_in("federation").post(url + "?lang=ru", files={"file": ("x.mp4", b"not a video", "video/mp4")})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "video"
