"""A watch client that stopped reading: for tests and benchmarks of slow watchers."""

from __future__ import annotations

import socket

RECEIVE_BUFFER = 4096


def open_stuck_watch(url: str, path: str, *, timeout: float = 30.0) -> socket.socket:
    """A watch over a raw socket with a 4 KiB receive buffer that reads the response head
    and then nothing.

    Raises:
        AssertionError: mcp closed the connection first, or did not answer 200.
    """
    host_port = url.removeprefix("http://")
    host, _, port = host_port.partition(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
    sock.settimeout(timeout)
    sock.connect((host, int(port)))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host_port}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)  # byte by byte: nothing of the body is read
        assert chunk, "mcp closed the watch before answering"
        head += chunk
    assert head.startswith(b"HTTP/1.1 200"), head
    return sock
