"""A real SMTP server for tests: aiosmtpd on a free port, recording messages.

It can be stopped and started again on the same port (an outage), answer
every message with a 4xx or 5xx, or be replaced by a plain TCP listener that
accepts connections and never says a word (a hanging server).
"""

from __future__ import annotations

import itertools
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        """The ``text/<subtype>`` body, decoded."""
        for part in self.message.walk():
            if part.get_content_type() == f"text/{subtype}":
                return part.get_content()
        raise KeyError(subtype)


class RecordingHandler:
    """Answers DATA with ``reply`` (250 by default) and records what it accepted."""

    def __init__(self) -> None:
        self.reply = "250 OK"
        self.messages: list[Received] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if not self.reply.startswith("2"):
            return self.reply
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return self.reply


class _Silent:
    """A TCP listener that accepts connections and never answers."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.conns: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.conns.append(conn)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        for conn in self.conns:
            conn.close()
        self.sock.close()


class _Trickle(_Silent):
    """Greets one byte at a time, a byte every ``every`` seconds, for ever.

    Each byte arrives well within a socket timeout, so only a deadline on the
    whole conversation stops a sender from waiting for ever.
    """

    def __init__(self, port: int, every: float) -> None:
        self.every = every
        super().__init__(port)

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        text = itertools.cycle(b"220-slow server says hello\r\n")
        while not self.stopping.wait(self.every):
            try:
                conn.sendall(bytes([next(text)]))
            except OSError:
                return


class SmtpServer:
    """``start()``/``stop()`` on one port; ``hang()`` swaps in a silent listener."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self._controller: Controller | None = None
        self._silent: _Silent | None = None

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def start(self) -> SmtpServer:
        self.stop()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def hang(self) -> SmtpServer:
        """Accept connections and never answer (the sender must time out)."""
        self.stop()
        self._silent = _Silent(self.port)
        return self

    def trickle(self, every: float = 0.5) -> SmtpServer:
        """Answer one byte every ``every`` seconds (each read succeeds; nothing ends)."""
        self.stop()
        self._silent = _Trickle(self.port, every)
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._silent is not None:
            self._silent.stop()
            self._silent = None

    def answer(self, reply: str) -> None:
        """Reply to every DATA with ``reply`` ("451 …" temporary, "550 …" permanent)."""
        self.handler.reply = reply

    def to(self, address: str, kind: str | None = None) -> list[Received]:
        """Messages to ``address``; of one outbox ``kind`` (digest, event…) when given."""
        return [
            m
            for m in self.messages
            if address in m.rcpt_tos and (kind is None or m.message["X-Safety-Kind"] == kind)
        ]


@pytest.fixture(name="smtp")
def smtp_fixture(config: dict[str, Any]) -> Iterator[SmtpServer]:
    """A running server; the app (requested after this) is configured to use it."""
    server = SmtpServer().start()
    config["MAIL_SERVER"] = "127.0.0.1"
    config["MAIL_PORT"] = server.port
    try:
        yield server
    finally:
        server.stop()
