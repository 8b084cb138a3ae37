"""Server-Sent Events for streamed answers: ``progress`` at once, ``token`` chunks, then ``done``.

The service call runs in an answer thread (``answer_threads``) while the first event is already on
the wire, so a client sees life within milliseconds even while answers queue. A failure after the
status line becomes an ``error`` event with the structured error: the stream never just closes.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

from pydantic import BaseModel
from starlette.responses import StreamingResponse

from copilot.core.settings import Settings
from integrations.api import answer_threads
from integrations.api.errors import ERROR_RESPONSES, error_event

WORDS_PER_TOKEN = 4
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

#: OpenAPI description of a streaming route's 200 answer.
STREAM_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An event stream: `progress` first, then `token` events whose `text` pieces join into "
        "the answer text, then `done` with the full result as JSON; or an `error` event with "
        '`{"error": {"code", "message"}, "status"}` instead of `done`.',
        "content": {"text/event-stream": {"schema": {
            "type": "object",
            "required": ["event", "data"],
            "properties": {"event": {"enum": ["progress", "token", "done", "error"]}, "data": {"type": "string"}},
        }}},
    },
    # errors before the stream starts are plain JSON, not events (FastAPI would label them with the stream's type)
    **{status: {"description": doc["description"],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
       for status, doc in ERROR_RESPONSES.items()},
}


class EventSourceResponse(StreamingResponse):
    """``text/event-stream``; the route returns it ready-made (no FastAPI generator handling)."""

    media_type = "text/event-stream"


def event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


def chunks(text: str, words: int = WORDS_PER_TOKEN) -> list[str]:
    """Pieces of a few words each that join back into exactly ``text``."""
    pieces = re.findall(r"\s+|\S+\s*", text)
    if pieces and pieces[0].isspace() and len(pieces) > 1:
        pieces[1] = pieces[0] + pieces[1]
        pieces = pieces[1:]
    return ["".join(pieces[i : i + words]) for i in range(0, len(pieces), words)]


async def _events(settings: Settings, run: Callable[[], BaseModel]) -> AsyncIterator[str]:
    yield event("progress", {"stage": "thinking"})
    try:
        result = await answer_threads.run(settings, run)
    except Exception as exc:  # every failure, also unforeseen ones, ends as an error event
        yield event("error", error_event(exc))
        return
    text = getattr(result, "text", "")
    for piece in chunks(text if isinstance(text, str) else ""):
        yield event("token", {"text": piece})
    yield event("done", result.model_dump(mode="json"))


def stream(
    settings: Settings, run: Callable[[], BaseModel], headers: dict[str, str] | None = None
) -> EventSourceResponse:
    """A response that streams one service call's result as events (``headers`` added to the stream's)."""
    return EventSourceResponse(_events(settings, run), headers={**STREAM_HEADERS, **(headers or {})})
