"""Slack's Socket Mode endpoint over a real WebSocket (RFC 6455), so the SDK's own client can connect.

As Slack's docs describe: ``apps.connections.open`` hands out a ``…/link/?ticket=…`` URL, each connection is
greeted with ``hello``, envelopes go out and the app acks each one with its ``envelope_id``.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import logging
import secrets
import socket
import struct
import threading
import uuid
from urllib.parse import parse_qs, urlsplit

from slackbridge.testing.fake_slack.records import Json

logger = logging.getLogger(__name__)

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
ENVELOPE_TYPES = ("events_api", "interactive", "slash_commands")


def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept: proves to the client that the server understood its handshake."""
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode("ascii")).digest()).decode("ascii")  # noqa: S324


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """A single unmasked, final frame: servers must never mask (RFC 6455 section 5.1)."""
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 1 << 16:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


class _Connection:
    """One accepted WebSocket: frames in on its own thread, frames out under a lock."""

    def __init__(self, sock: socket.socket, server: SocketModeServer) -> None:
        self.sock, self.server = sock, server
        self.send_lock = threading.Lock()
        self.open = False

    def send(self, opcode: int, payload: bytes) -> None:
        with self.send_lock:
            self.sock.sendall(encode_frame(opcode, payload))

    def send_json(self, message: Json) -> None:
        self.send(OP_TEXT, json.dumps(message).encode("utf-8"))

    def _read_exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("peer closed the socket")
            data += chunk
        return data

    def _handshake(self) -> bool:
        raw = b""
        while b"\r\n\r\n" not in raw:
            chunk = self.sock.recv(4096)
            if not chunk or len(raw) > 65536:
                return False
            raw += chunk
        request_line, *header_lines = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
        method, _, rest = request_line.partition(" ")
        url = urlsplit(rest.rpartition(" ")[0])
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        key = headers.get("sec-websocket-key", "")
        upgrade = headers.get("upgrade", "").lower() == "websocket"
        ok = method == "GET" and upgrade and headers.get("sec-websocket-version") == "13" and key
        status = "" if ok else "400 Bad Request"
        if not status and (url.path.rstrip("/") != "/link" or not self.server.valid_ticket(ticket)):
            status = "401 Unauthorized"
        if status:
            self.sock.sendall(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
            return False
        self.sock.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
            ).encode("ascii")
        )
        return True

    def _read_frame(self) -> tuple[bool, int, bytes]:
        b1, b2 = self._read_exact(2)
        length = b2 & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read_exact(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read_exact(8))[0]
        if not b2 & 0x80:
            raise ValueError("client frames must be masked")
        mask = self._read_exact(4)
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read_exact(length)))
        return bool(b1 & 0x80), b1 & 0x0F, data

    def serve(self) -> None:
        try:
            if not self._handshake():
                return
            self.open = True
            self.server.connected(self)
            self._loop()
        except OSError:  # includes ConnectionError
            pass
        except ValueError as err:  # a protocol error: close with 1002 as RFC 6455 asks
            logger.warning("fake_slack.socket_protocol_error %s", err)
            self._close(1002)
        finally:
            self.open = False
            self.server.disconnected(self)
            self.sock.close()

    def _loop(self) -> None:
        message, message_op = b"", OP_TEXT
        while True:
            fin, opcode, data = self._read_frame()
            if opcode == OP_PING:
                self.send(OP_PONG, data)
            elif opcode == OP_PONG:
                continue
            elif opcode == OP_CLOSE:
                self._close(struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1000)
                return
            else:
                if opcode != OP_CONT:
                    message, message_op = b"", opcode
                message += data
                if fin and message_op == OP_TEXT:
                    self.server.received(message.decode("utf-8"))

    def _close(self, code: int = 1000) -> None:
        with contextlib.suppress(OSError):
            self.send(OP_CLOSE, struct.pack("!H", code))


class SocketModeServer:
    """Plays Slack's side of Socket Mode for one app: tickets, hello, envelopes out, acks in."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self._lock = threading.Condition()
        self._listener: socket.socket | None = None
        self._tickets: set[str] = set()
        self._connections: list[_Connection] = []
        self._acks: list[Json] = []
        self._hellos = 0

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._listener is not None:
            return
        self._listener = socket.create_server(("127.0.0.1", 0))
        accept = threading.Thread(target=self._accept, args=(self._listener,), name="fake-ws", daemon=True)
        accept.start()

    def stop(self) -> None:
        """Close every connection with a close frame, as Slack does when it goes away."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            conn._close(1001)
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            conn = _Connection(sock, self)
            threading.Thread(target=conn.serve, name="fake-slack-ws-conn", daemon=True).start()

    # ------------------------------------------------------------ what apps.connections.open hands out

    def issue_url(self) -> str:
        if self._listener is None:
            self.start()
        assert self._listener is not None
        ticket = secrets.token_hex(16)
        with self._lock:
            self._tickets.add(ticket)
        port = self._listener.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket={ticket}&app_id={self.app_id}"

    def valid_ticket(self, ticket: str) -> bool:
        return ticket in self._tickets

    # ------------------------------------------------------------ connection events

    def connected(self, conn: _Connection) -> None:
        """Greet first, then offer the connection for envelopes: Slack's ``hello`` always comes first."""
        with self._lock:
            count = len(self._connections) + 1
        conn.send_json(
            {
                "type": "hello",
                "num_connections": count,
                "debug_info": {"host": "applink-1", "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }
        )
        with self._lock:
            self._connections.append(conn)
            self._hellos += 1
            self._lock.notify_all()

    def disconnected(self, conn: _Connection) -> None:
        with self._lock:
            if conn in self._connections:
                self._connections.remove(conn)
            self._lock.notify_all()

    def received(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            logger.warning("fake_slack.socket_bad_json length=%s", len(text))
            return
        if isinstance(message, dict) and "envelope_id" in message:
            with self._lock:
                self._acks.append(message)
                self._lock.notify_all()

    # ------------------------------------------------------------ test API

    def send(
        self,
        envelope_type: str,
        payload: Json,
        *,
        accepts_response_payload: bool = False,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Deliver an envelope on the newest open connection (Slack picks one of them); return its id."""
        if envelope_type not in ENVELOPE_TYPES:
            raise ValueError(f"unknown envelope type {envelope_type!r}")
        envelope_id = str(uuid.uuid4())  # Slack's envelope ids are UUIDs
        envelope: Json = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":  # only Events API deliveries are retried, so only they say so
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        with self._lock:
            conn = next((c for c in reversed(self._connections) if c.open), None)
            if conn is None:
                raise RuntimeError("no app is connected over Socket Mode")
        conn.send_json(envelope)
        return envelope_id

    def acks(self) -> list[Json]:
        with self._lock:
            return copy.deepcopy(self._acks)

    def connection_count(self) -> int:
        with self._lock:
            return len(self._connections)

    def hellos(self) -> int:
        return self._hellos

    def wait_connected(self, timeout: float) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: bool(self._connections), timeout)

    def wait_ack(self, envelope_id: str, timeout: float) -> Json | None:
        def find() -> Json | None:
            return next((a for a in self._acks if a.get("envelope_id") == envelope_id), None)

        with self._lock:
            found = self._lock.wait_for(find, timeout)
            return copy.deepcopy(found) if found else None
