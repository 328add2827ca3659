"""A request from a known address and browser leaves no trace of either, anywhere."""

from __future__ import annotations

import io
import logging

from PIL import Image
from sqlalchemy import MetaData, select

ADDRESS = "203.0.113.77"
AGENT = "QorgauProbeBrowser/9.41 (UniqueDevice-7731)"


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (40, 40), (10, 120, 10))
    exif = image.getexif()
    exif[0x010F] = "ProbeCam"
    exif.get_ifd(0x8825)[2] = (51.0, 9.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_known_address_and_agent_are_stored_and_logged_nowhere(app, demo_url, session, caplog, tmp_path):
    from fastapi.testclient import TestClient

    from qorgau.core import crypto
    from qorgau.speaks.models import Attachment

    caplog.set_level(logging.DEBUG)
    headers = {"User-Agent": AGENT, "X-Forwarded-For": ADDRESS, "X-Real-IP": ADDRESS}
    with TestClient(app, client=(ADDRESS, 51234), headers=headers) as worker:
        form = worker.get("/speak/")
        token = worker.cookies.get("qorgau_csrf")
        filed = worker.post("/speak/new", data={"csrf_token": token, "enterprise_id": "1", "kind": "hazard",
                                                "category": "ppe", "description": "Нет респираторов в цехе обжига."},
                            files={"photos": ("p.jpg", _photo_with_gps(), "image/jpeg")})
        assert form.status_code == 200 and filed.status_code == 200
        receipt = filed.text.split('class="receipt"')[1].split(">")[1].split("<")[0].strip()
        followed = worker.post("/speak/follow", data={"csrf_token": token, "receipt": receipt})
        assert followed.status_code == 200

    session.expire_all()
    metadata = MetaData()
    metadata.reflect(bind=session.get_bind())
    dump = []
    for table in metadata.sorted_tables:
        for row in session.execute(select(table)):
            dump.append(repr(tuple(row)))
    text = "\n".join(dump)
    assert ADDRESS not in text and "UniqueDevice" not in text and "QorgauProbeBrowser" not in text
    # Everything the server side logged (the test client's own request log and Pillow are not the server).
    logged = "\n".join(record.getMessage() for record in caplog.records
                       if not record.name.startswith(("httpx", "PIL")))
    assert ADDRESS not in logged and "UniqueDevice" not in logged
    assert "/speak/" not in logged, "the reporting routes are not even in the access log"
    attachment = session.execute(select(Attachment)).scalars().first()
    content = crypto.decrypt_bytes(attachment.content_encrypted)
    assert b"ProbeCam" not in content and ADDRESS.encode() not in content and b"Exif" not in content
    # The reporter's actions wait for the end of their day before they join the audit chain.
    from qorgau.core.models import AuditEntry, AuditHeld

    held = session.execute(select(AuditHeld)).scalars().all()
    assert any(h.entry["object_type"] == "speaks_report" for h in held)
    assert not session.execute(select(AuditEntry).where(AuditEntry.actor == "anonymous")).scalars().all()
