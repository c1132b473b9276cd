"""SMTP delivery: one connection per flush, a timeout on every socket operation
and a deadline on every conversation.

Only this module talks to the mail server. It never commits and knows nothing
about the outbox: it turns an SMTP conversation into ``None`` (accepted),
:class:`TemporaryFailure` (retry later) or :class:`PermanentFailure` (give up).

Why a timeout everywhere: a server that accepts the TCP connection and never
answers would otherwise hang the sender for ever (Flask-Mail opens
``smtplib.SMTP`` without one). Why a deadline as well: a server that trickles
one byte every few seconds satisfies every socket timeout and still never
finishes; a watchdog cuts the connection when one message's conversation
(connect, greet, authenticate, send) outlives ``MAIL_DEADLINE`` seconds.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any


class DeliveryError(Exception):
    """Base: the message was not accepted."""


class TemporaryFailure(DeliveryError):
    """Connection error, timeout or 4xx: try again later.

    ``connection`` is True when the server could not be reached or spoken to
    at all, so the rest of a batch need not be tried now.
    """

    def __init__(self, message: str, *, connection: bool = False) -> None:
        super().__init__(message)
        self.connection = connection


class PermanentFailure(DeliveryError):
    """A 5xx reply to this message: retrying would not help."""


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    use_tls: bool = False
    use_ssl: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "safety@localhost"
    timeout: float = 10.0
    #: The longest one message's conversation may take, connecting included.
    deadline: float = 60.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        return cls(
            server=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            use_ssl=bool(config.get("MAIL_USE_SSL")),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            sender=config.get("MAIL_DEFAULT_SENDER") or "safety@localhost",
            timeout=float(config.get("MAIL_TIMEOUT") or 10),
            deadline=conversation_deadline(config),
        )


def conversation_deadline(config: Mapping[str, Any]) -> float:
    """``MAIL_DEADLINE`` seconds, by default six socket timeouts (60 s)."""
    explicit = config.get("MAIL_DEADLINE")
    if explicit:
        return float(explicit)
    return 6 * float(config.get("MAIL_TIMEOUT") or 10)


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    html: str | None = None
    #: Stable per outbox row, so a receiving system can spot a re-delivery.
    message_id: str | None = None
    date: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)


def build_message(message: Message, sender: str) -> EmailMessage:
    """A text/plain message, with an HTML alternative when there is one."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Message-ID"] = message.message_id or make_msgid(domain="safety")
    if message.date is not None:
        mail["Date"] = format_datetime(message.date)
    for name, value in message.headers.items():
        mail[name] = value
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    return mail


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        return f"{error.smtp_code} {text}".strip()
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = []
        for addr, (code, text) in error.recipients.items():
            reason = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
            parts.append(f"{code} {reason} ({addr})")
        return "; ".join(parts)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _classify(error: BaseException, *, connecting: bool) -> DeliveryError:
    """Map an smtplib/socket error to temporary or permanent.

    5xx to a message is permanent. Authentication and TLS problems are the
    server's configuration, not the message's, so they are retried (an
    administrator fixes the settings; the emails are not thrown away).
    """
    text = _describe(error)
    if isinstance(error, smtplib.SMTPAuthenticationError | smtplib.SMTPNotSupportedError):
        return TemporaryFailure(text, connection=True)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            return PermanentFailure(text)
        return TemporaryFailure(text)
    if isinstance(error, smtplib.SMTPResponseException):
        if connecting:
            return TemporaryFailure(text, connection=True)
        if 500 <= error.smtp_code < 600:
            return PermanentFailure(text)
        return TemporaryFailure(text, connection=error.smtp_code == 421)
    # Disconnects, timeouts, refused connections, DNS and TLS errors.
    return TemporaryFailure(text, connection=True)


class _Watchdog:
    """Cuts ``connection``'s socket when a conversation outlives ``seconds``."""

    def __init__(self, connection: SmtpConnection, seconds: float) -> None:
        self.connection = connection
        self.seconds = seconds
        self.expired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.expired = True
        self.connection._cut()

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._timer.cancel()

    def failure(self) -> TemporaryFailure:
        return TemporaryFailure(
            f"the SMTP conversation took longer than {self.seconds:g} s", connection=True
        )


class SmtpConnection:
    """A lazily opened SMTP session reused for a batch; use as a context manager."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        #: The session being opened (the watchdog may have to cut it too).
        self._opening: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _cut(self) -> None:
        """Called by the watchdog thread: unblock whatever read or write is waiting."""
        for smtp in (self._smtp, self._opening):
            sock = getattr(smtp, "sock", None)
            if sock is None:
                continue
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.use_ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(timeout=s.timeout)
            smtp._host = s.server  # for TLS server name checks; connect() does not set it
            self._opening = smtp
            try:
                smtp.connect(s.server, s.port)
                if s.use_tls and not s.use_ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password or "")
            except BaseException:
                smtp.close()
                raise
            finally:
                self._opening = None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
            raise _classify(error, connecting=True) from error
        return smtp

    def send(self, message: Message) -> None:
        """Hand ``message`` to the server within ``settings.deadline`` seconds.

        :raise TemporaryFailure: connection error, timeout, deadline passed, 4xx
            (the session is dropped)
        :raise PermanentFailure: 5xx for this message (the session stays usable)
        """
        mail = build_message(message, self.settings.sender)
        with _Watchdog(self, self.settings.deadline) as watchdog:
            try:
                if self._smtp is None:
                    self._smtp = self._open()
                self._smtp.send_message(mail, from_addr=self.settings.sender, to_addrs=[message.to])
            except TemporaryFailure as failure:
                self.close()
                raise (watchdog.failure() if watchdog.expired else failure) from failure
            except (smtplib.SMTPException, OSError) as error:
                failure = watchdog.failure() if watchdog.expired else None
                failure = failure or _classify(error, connecting=False)
                if isinstance(failure, TemporaryFailure):
                    self.close()
                else:
                    self._reset()
                raise failure from error

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                with _Watchdog(self, self.settings.timeout):
                    self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        smtp = self._smtp
        if smtp is None:
            return
        try:
            with _Watchdog(self, self.settings.timeout):  # a QUIT that trickles is cut too
                smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
        finally:
            self._smtp = None
