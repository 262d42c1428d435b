"""How much a request may send: a JSON body is small (the largest step body is a few kilobytes); only the roster
import takes a file, with its own limit. A body over its limit is refused with 413 as soon as the bytes received
pass it, never read into memory whole (a declared Content-Length is not trusted, nor needed)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workflows.registry.roster_files import MAX_BYTES as ROSTER_MAX_BYTES

MAX_JSON_BYTES = 1024 * 1024  # 1 MiB: a hundred times the largest step body
# The roster: its file, and the console's form that uploads it (the file and a few fields).
LARGER = {"/households:import": ROSTER_MAX_BYTES, "/console/import": ROSTER_MAX_BYTES + 64 * 1024}


class BodyTooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body parsing passes it on instead of answering 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit // 1024 // 1024} MiB")


class BodyLimit:
    """ASGI middleware counting the bytes of each request body against its route's limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = LARGER.get(scope["path"], MAX_JSON_BYTES)
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
