"""A small trio WebSocket client (wsproto) for tests that drive mcp's exec and attach as
kubectl's client does: a subprotocol offered, binary messages, the server's close seen with
its code, a refused upgrade seen with its status and body."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import trio
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Message,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)


class Refused(Exception):
    """The server answered the upgrade with an HTTP response."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"upgrade refused with {status}: {body!r}")
        self.status = status
        self.body = body


@dataclass
class WebSocket:
    stream: trio.SocketStream
    connection: WSConnection
    subprotocol: str | None
    close_code: int | None = None
    _events: list[Event] = field(default_factory=list)
    _partial: bytearray = field(default_factory=bytearray)

    async def send(self, data: bytes) -> None:
        await self.stream.send_all(self.connection.send(BytesMessage(data=data)))

    async def _next_event(self) -> Event | None:
        while not self._events:
            data = await self.stream.receive_some(65536)
            if not data:
                return None
            self.connection.receive_data(data)
            self._events.extend(self.connection.events())
        return self._events.pop(0)

    async def receive(self) -> bytes | None:
        """The next whole message, or None once the server closed (see `close_code`)."""
        while True:
            event = await self._next_event()
            if event is None:
                return None
            if isinstance(event, Ping):
                await self.stream.send_all(self.connection.send(event.response()))
            elif isinstance(event, CloseConnection):
                self.close_code = event.code
                await self.stream.send_all(self.connection.send(event.response()))
                return None
            elif isinstance(event, (BytesMessage, TextMessage)):
                assert isinstance(event, Message)
                data = event.data if isinstance(event.data, bytes) else event.data.encode()
                self._partial += data
                if event.message_finished:
                    whole = bytes(self._partial)
                    self._partial.clear()
                    return whole

    async def messages(self) -> list[bytes]:
        """Every message until the server closes."""
        seen = []
        while (message := await self.receive()) is not None:
            seen.append(message)
        return seen


@asynccontextmanager
async def connect(
    port: int,
    target: str,
    *,
    subprotocols: Sequence[str],
    headers: Sequence[tuple[str, str]] = (),
) -> AsyncIterator[WebSocket]:
    """Open a WebSocket to 127.0.0.1:`port` at `target`; closes the TCP stream at the end.

    Raises:
        Refused: the server answered with an HTTP response instead.
    """
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        connection = WSConnection(ConnectionType.CLIENT)
        request = Request(
            host=f"127.0.0.1:{port}",
            target=target,
            subprotocols=list(subprotocols),
            extra_headers=[(name.encode(), value.encode()) for name, value in headers],
        )
        await stream.send_all(connection.send(request))
        pending: list[Event] = []
        status, body = 0, b""
        while True:
            data = await stream.receive_some(65536)
            if not data:
                raise Refused(status, body)
            connection.receive_data(data)
            events = list(connection.events())
            accepted = next((e for e in events if isinstance(e, AcceptConnection)), None)
            if accepted is not None:
                pending = events[events.index(accepted) + 1 :]
                yield WebSocket(stream, connection, accepted.subprotocol, _events=pending)
                return
            for event in events:
                if isinstance(event, RejectConnection):
                    status = event.status_code
                    if not event.has_body:
                        raise Refused(status, body)
                elif isinstance(event, RejectData):
                    body += event.data
                    if event.body_finished:
                        raise Refused(status, body)
