"""Answers of the API kept while the marts they were read from stay the same.

On DuckDB the server reads the published copy of the marts, a file no one writes: a build replaces it whole. So an
answer is a function of the URL and of that file's identity (inode, modification time), and is kept until the file
changes. On PostgreSQL the version is read from the catalog on each request (readers.PostgresReader.version): one
small query instead of the several an answer takes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import anyio

# Distinct URLs kept (the page asks about ten; the rest are people's filters): bounded, least recently used out.
MAX_ENTRIES = 512


class AnswerCache:
    """Pure ASGI middleware: a GET under /api/v1/ answered before from the same marts is answered again from memory."""

    def __init__(self, app, version: Callable[[], object | None]) -> None:
        self.app, self.version = app, version
        self._answers: OrderedDict[tuple, tuple[list, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith("/api/v1/"):
            return await self.app(scope, receive, send)
        version = await anyio.to_thread.run_sync(self.version)  # PostgreSQL's is a query: off the event loop
        if version is None:
            return await self.app(scope, receive, send)
        key = (version, scope["path"], scope["query_string"])
        with self._lock:
            hit = self._answers.get(key)
            if hit:
                self._answers.move_to_end(key)
        if hit:
            return await self._replay(send, *hit)
        messages: list[dict] = []

        async def keep(message: dict) -> None:
            messages.append(message)
            await send(message)

        await self.app(scope, receive, keep)
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        # only answers about the marts: not a 5xx (the warehouse unreachable), not one cut short
        if start and start["status"] < 500 and all(not m.get("more_body") for m in messages[-1:]):
            body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
            with self._lock:
                self._answers[key] = (start, body)
                while len(self._answers) > MAX_ENTRIES:
                    self._answers.popitem(last=False)

    @staticmethod
    async def _replay(send, start: dict, body: bytes) -> None:
        await send(start)
        await send({"type": "http.response.body", "body": body})
