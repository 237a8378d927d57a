"""A file sent with a message (its text the caption): made now, or — for anything heavy —
described now and made off the event loop when it is about to be sent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from render import offload


@dataclass(frozen=True)
class Attachment:
    kind: str  # "photo" or "document"
    filename: str
    data: bytes = b""
    file_id: str | None = None  # a file the network already holds (an admin's upload)
    # made later: make(*args) in a thread, or in the worker process (charts); `key` shares
    # one making between readers of the same file
    make: Callable[..., bytes] | None = field(default=None, compare=False)
    args: tuple[Any, ...] = field(default=(), compare=False)
    process: bool = False
    key: tuple[object, ...] | None = None

    @classmethod
    def later(
        cls,
        kind: str,
        filename: str,
        make: Callable[..., bytes],
        *args: Any,
        process: bool = False,
        key: tuple[object, ...] | None = None,
    ) -> Attachment:
        return cls(kind, filename, make=make, args=args, process=process, key=key)

    async def ready(self) -> Attachment:
        """The attachment with its bytes, made off the loop if they were not made yet."""
        if self.make is None:
            return self
        make, args, process = self.make, self.args, self.process
        if self.key is None:
            data = await offload.run(make, *args, process=process)
        else:
            data = await offload.once(
                self.key, lambda: asyncio.ensure_future(offload.run(make, *args, process=process))
            )
        return Attachment(self.kind, self.filename, data, self.file_id)
