"""The ingest bench's lean client (`benchmarks._lean_http`) against a real HTTP/1.1
server: answers framed by their length on one kept connection; anything else refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks._lean_http import KeptConnection


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: list[int] = []  # noqa: RUF012 - shared by the handlers of one server

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        Echo.connections.append(id(self.connection))
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = f"{self.path} {self.headers['webhook-id']} ".encode() + body[::-1]
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_response(201 if self.path == "/made" else 200)
        self.send_header("Content-Type", "application/json")
        if self.path == "/cut":
            self.send_header("Content-Length", str(len(answer) + 10))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(answer)
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    Echo.connections = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_answers_come_back_whole_and_in_turn_on_one_kept_connection(port):
    conn = KeptConnection("127.0.0.1", port)
    try:
        big = bytes(range(256)) * 400  # more than one read
        assert conn.post("/v1/ingest", b"abc", {"webhook-id": "r1"}) == (200, b"/v1/ingest r1 cba")
        status, body = conn.post("/made", big, {"webhook-id": "r2"})
        assert status == 201 and body == b"/made r2 " + big[::-1]
    finally:
        conn.close()
    assert len(Echo.connections) == 2 and len(set(Echo.connections)) == 1


@pytest.mark.parametrize(
    ("path", "error", "words"),
    [
        ("/chunked", ValueError, "Transfer-Encoding: chunked"),
        ("/cut", ConnectionError, "closed the connection mid-answer"),
    ],
)
def test_an_answer_not_framed_by_its_length_or_cut_short_raises(port, path, error, words):
    conn = KeptConnection("127.0.0.1", port)
    try:
        with pytest.raises(error, match=words):
            conn.post(path, b"x", {"webhook-id": "r"})
    finally:
        conn.close()
