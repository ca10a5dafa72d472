"""The ingest bench's HTTP client: one kept-alive HTTP/1.1 connection that posts a body
and reads an answer framed by its ``Content-Length``.

The clients share the 2-core machine with the server they measure, so what they spend is
taken from it. `http.client` parses each answer's headers with the `email` package: half
of the clients' CPU went to that (under `py-spy`), some 3 µs of every event's 85. This
client reads the status line and the length and nothing more; an answer it cannot frame
that way (chunked, or the connection closed early) raises."""

from __future__ import annotations

import socket
from collections.abc import Mapping


class KeptConnection:
    def __init__(self, host: str, port: int, *, timeout: float = 60) -> None:
        self.host = host
        self._socket = socket.create_connection((host, port), timeout=timeout)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._pending = b""

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        """(status, body) of the answer to ``body`` posted to ``path``."""
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._socket.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = self._until(b"\r\n\r\n")
        status_line, *fields = head.split(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length = None
        for field in fields:
            name, _, value = field.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
            elif name.strip().lower() == b"transfer-encoding":
                raise ValueError(f"an answer not framed by its length: {field.decode()}")
        if length is None:
            raise ValueError("an answer without a Content-Length")
        return status, self._exactly(length)

    def close(self) -> None:
        self._socket.close()

    def _until(self, mark: bytes) -> bytes:
        while (end := self._pending.find(mark)) < 0:
            self._receive()
        found, self._pending = self._pending[:end], self._pending[end + len(mark) :]
        return found

    def _exactly(self, count: int) -> bytes:
        while len(self._pending) < count:
            self._receive()
        found, self._pending = self._pending[:count], self._pending[count:]
        return found

    def _receive(self) -> None:
        chunk = self._socket.recv(1 << 16)
        if not chunk:
            raise ConnectionError("the server closed the connection mid-answer")
        self._pending += chunk
