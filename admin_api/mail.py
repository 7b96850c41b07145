"""Outgoing mail through one small plug point.

``MailSender`` is the contract: ``send`` delivers one message or raises ``MailError``. Three
senders, picked by ``admin.mail.kind``:

- ``file`` (default): one ``.eml`` file per message in ``admin.mail.directory``, for
  development and tests; nothing leaves the machine.
- ``log``: the recipient and subject are logged, never the body (it carries one-time links).
- ``smtp``: smtplib in a worker thread, STARTTLS or TLS, optional login.

Callers never fail a request because mail could not be sent: they log ``MailError`` and go on.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

from core.ids import new_id
from core.settings import MailConfig, SmtpConfig

log = logging.getLogger(__name__)


class MailError(Exception):
    """The message could not be handed over."""


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str


class MailSender(Protocol):
    """Deliver one message; raise ``MailError`` when it cannot be delivered."""

    async def send(self, mail: Mail) -> None: ...


def _message(mail: Mail, from_address: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = from_address
    message["To"] = mail.to
    # A header cannot hold a line break: a name with one (made before names were checked)
    # must not fail the mail.
    message["Subject"] = " ".join(mail.subject.split())
    message["Message-ID"] = make_msgid(domain="governs.local")
    message.set_content(mail.text)
    return message


class FileSender:
    def __init__(self, directory: str | Path, from_address: str) -> None:
        self.directory = Path(directory)
        self._from = from_address

    async def send(self, mail: Mail) -> None:
        try:
            await asyncio.to_thread(self._write, _message(mail, self._from))
        except OSError as error:
            raise MailError(f"cannot write mail to {self.directory}: {error}") from error

    def _write(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{new_id()}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        tmp.rename(path)  # readers never see half a message


class LogSender:
    def __init__(self, from_address: str) -> None:
        self._from = from_address

    async def send(self, mail: Mail) -> None:
        log.info("mail to %s: %s (body not logged)", mail.to, mail.subject)


class SmtpSender:
    def __init__(self, config: SmtpConfig, from_address: str) -> None:
        self._config = config
        self._from = from_address

    async def send(self, mail: Mail) -> None:
        try:
            await asyncio.to_thread(self._send, _message(mail, self._from))
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"SMTP delivery failed: {type(error).__name__}") from error

    def _send(self, message: EmailMessage) -> None:
        config = self._config
        if config.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host,
                config.port,
                timeout=config.timeout_seconds,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
        with client:
            if config.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config.username:
                client.login(config.username, config.password or "")
            client.send_message(message)


def build_sender(config: MailConfig) -> MailSender:
    if config.kind == "smtp":
        return SmtpSender(config.smtp, config.from_address)
    if config.kind == "log":
        return LogSender(config.from_address)
    return FileSender(config.directory, config.from_address)


async def send_quietly(sender: MailSender, mail: Mail) -> bool:
    """Send, logging (not raising) a failure: mail never fails the request that caused it."""
    try:
        await sender.send(mail)
    except MailError as error:
        log.warning("mail to %s not sent: %s", mail.to, error)
        return False
    return True
