"""A fake Telegram Bot API server for tests: the bot talks to it exactly as to Telegram's.

The test plays the person: `press()`, `say()` and `send_photo()` queue updates that the bot fetches by
long polling (getUpdates); what the bot sends (sendMessage) is kept in `sent`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.availability import free_port

BOT = {"id": 700000001, "is_bot": True, "first_name": "Qorgau", "username": "qorgau_test_bot",
       "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}


class FakeTelegram:
    def __init__(self, *, chat_id: int, user: dict, clock=time.time):
        self.chat_id, self.user, self.clock = chat_id, user, clock
        self.updates: list[dict] = []
        self.sent: list[dict] = []
        self.files: dict[str, bytes] = {}
        self.webhook: dict = {}
        self.webhook_answers: list[int] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = Starlette(routes=[Route("/bot{token}/{method}", self._method, methods=["GET", "POST"]),
                                Route("/file/bot{token}/{path:path}", self._file)])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self):
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self._server.should_exit = True
        self._thread.join(5)

    # --- the person ---------------------------------------------------------------------------------
    def _chat(self) -> dict:
        return {"id": self.chat_id, "type": "private", "first_name": self.user["first_name"],
                "username": self.user.get("username", "")}

    def _message(self, **extra) -> dict:
        return {"message_id": next(self._ids), "date": int(self.clock()), "chat": self._chat(),
                "from": {"id": self.chat_id, "is_bot": False, **self.user}, **extra}

    def _push(self, payload: dict) -> None:
        update = {"update_id": next(self._ids), **payload}
        if self.webhook:  # as Telegram does once a webhook is set: POST each update, with the secret
            answer = httpx.post(self.webhook["url"], json=update, timeout=10,
                                headers={"X-Telegram-Bot-Api-Secret-Token": self.webhook.get("secret_token", "")})
            self.webhook_answers.append(answer.status_code)
            return
        with self._lock:
            self.updates.append(update)

    def say(self, text: str) -> None:
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
        self._push({"message": self._message(text=text, entities=entities)})

    def press(self, data: str) -> None:
        self._push({"callback_query": {"id": str(next(self._ids)), "chat_instance": "1", "data": data,
                                       "from": {"id": self.chat_id, "is_bot": False, **self.user},
                                       "message": self._message(text="…")}})

    def send_photo(self, content: bytes, caption: str = "") -> None:
        file_id = f"photo{next(self._ids)}"
        self.files[file_id] = content
        size = {"file_id": file_id, "file_unique_id": file_id, "width": 64, "height": 48, "file_size": len(content)}
        extra = {"caption": caption} if caption else {}
        if caption.startswith("/"):
            extra["caption_entities"] = [{"type": "bot_command", "offset": 0, "length": len(caption.split()[0])}]
        self._push({"message": self._message(photo=[size], **extra)})

    def send_voice(self, content: bytes) -> None:
        file_id = f"voice{next(self._ids)}"
        self.files[file_id] = content
        self._push({"message": self._message(voice={"file_id": file_id, "file_unique_id": file_id, "duration": 1,
                                                    "mime_type": "audio/mp4", "file_size": len(content)})})

    def wait_sent(self, count: int, seconds: float = 30) -> list[dict]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if len(self.sent) >= count:
                return self.sent
            time.sleep(0.02)
        raise AssertionError(f"the bot sent {len(self.sent)} messages, expected {count}: {self.texts()}")

    def texts(self) -> list[str]:
        return [m["text"] for m in self.sent]

    def buttons(self, message: dict) -> dict[str, str]:
        markup = message.get("reply_markup") or {}
        return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}

    # --- the Bot API ---------------------------------------------------------------------------------
    async def _params(self, request: Request) -> dict:
        if request.method == "GET":
            return dict(request.query_params)
        if request.headers.get("content-type", "").startswith("application/json"):
            return await request.json()
        form = await request.form()
        params = {}
        for key, value in form.items():
            try:
                params[key] = json.loads(value) if isinstance(value, str) else value
            except ValueError:
                params[key] = value
        return params

    async def _method(self, request: Request):
        method = request.path_params["method"].lower()
        params = await self._params(request)
        if method == "getme":
            return _ok(BOT)
        if method == "setwebhook":
            self.webhook = params
            return _ok(True)
        if method == "deletewebhook":
            self.webhook = {}
            return _ok(True)
        if method in ("answercallbackquery", "setmycommands"):
            return _ok(True)
        if method == "getupdates":
            offset = int(params.get("offset") or 0)
            if offset:  # as Telegram: asking from an offset confirms, and forgets, every earlier update
                with self._lock:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
            deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
            while True:
                with self._lock:
                    ready = [u for u in self.updates if u["update_id"] >= offset]
                if ready or time.monotonic() >= deadline:
                    return _ok(ready)
                await asyncio.sleep(0.02)
        if method == "sendmessage":
            message = {"message_id": next(self._ids), "date": int(self.clock()), "chat": self._chat(),
                       "from": BOT, "text": str(params.get("text", ""))}
            self.sent.append({**message, "reply_markup": params.get("reply_markup")})
            return _ok(message)
        if method == "getfile":
            file_id = str(params["file_id"])
            return _ok({"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id]),
                        "file_path": f"media/{file_id}.jpg"})
        return JSONResponse({"ok": False, "error_code": 404, "description": f"Not Found: {method}"}, status_code=404)

    async def _file(self, request: Request):
        name = request.path_params["path"].rsplit("/", 1)[-1].removesuffix(".jpg")
        return Response(self.files[name], media_type="application/octet-stream")


def _ok(result) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})
