"""How a rendered message leaves the building: one small interface per
channel, ``send(message, *, key) -> provider id``.

``key`` is the message's idempotency key (``notification-<id>``): the
dispatcher gives the same key every time it tries the same row, so a
backend that can (a provider's idempotency header, a mail's Message-ID,
the file outbox's file name) turns a repeated try into no second delivery.

A backend raises ``TransientError`` for what may pass (a timeout, a full
queue, a provider's 5xx) and ``PermanentError`` for what will not (no such
address, a template the provider refuses); the dispatcher retries the first
with backoff and gives up on the second at once.

Which class serves a channel is a setting (``EMAIL_CHANNEL_BACKEND``,
``SMS_BACKEND``, ``WHATSAPP_BACKEND``), so a provider's backend plugs in
without touching the dispatcher.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import socket
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class ChannelError(Exception):
    """A message could not be handed over."""


class TransientError(ChannelError):
    """Worth trying again later."""


class PermanentError(ChannelError):
    """Trying again will not help; another channel might."""


class Message(Protocol):
    """What a backend is handed: ``bookings.messages.Message`` (a dataclass;
    the two modules are siblings and meet only through this shape)."""

    channel: str
    to: str
    subject: str
    text: str
    html: str
    attachments: tuple[Any, ...]  # each with filename, content, mimetype
    template: str
    variables: tuple[str, ...]
    language: str
    headers: dict[str, str]


class Backend(Protocol):
    def send(self, message: Message, *, key: str) -> str: ...


def message_id(key: str) -> str:
    """A Message-ID made from the key alone, so a mail sent twice for one
    row carries the same id and mail systems can tell it is one message."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "localhost"
    return f"<{key}@{domain}>"


class DjangoEmail:
    """Email through Django's configured mail backend (SMTP, anymail, the
    console in development): a plain and an HTML part, and the calendar
    file when there is one."""

    def send(self, message: Message, *, key: str) -> str:
        if not message.to:
            raise PermanentError("the client has no email address")
        mail = EmailMultiAlternatives(
            subject=message.subject, body=message.text, to=[message.to],
            headers={"Message-ID": message_id(key), **message.headers},
        )
        if message.html:
            mail.attach_alternative(message.html, "text/html")
        for attachment in message.attachments:
            mail.attach(attachment.filename, attachment.content, attachment.mimetype)
        try:
            mail.send(fail_silently=False)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise PermanentError(f"refused: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            # 5xx is the server's final word; 4xx asks to come back later.
            if 500 <= exc.smtp_code < 600:
                raise PermanentError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
            raise TransientError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, socket.timeout, OSError) as exc:
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        return message_id(key)


class LoggingBackend:
    """Writes the message to the log and reports it sent: the default for
    SMS and WhatsApp until a provider is configured."""

    def send(self, message: Message, *, key: str) -> str:
        if not message.to:
            raise PermanentError(f"the client has no address for {message.channel}")
        log.info("%s to %s [%s] (%s %s): %s", message.channel, message.to, key, message.template,
                 list(message.variables), message.text)
        return f"logged:{key}"


class FileOutbox:
    """Each message as one JSON file named after its key, in
    ``NOTIFICATION_OUTBOX_DIR``: for any channel, for the end-to-end test,
    the benchmark and a demo without a provider.

    The file is written in full under a private name and then linked to its
    key's name, which fails if that name exists; so a reader never sees half
    a message, and a second try with the same key is recorded under
    ``duplicates/`` instead of delivering again."""

    def __init__(self, folder: Path | str | None = None):
        self.folder = Path(folder or settings.NOTIFICATION_OUTBOX_DIR)

    def send(self, message: Message, *, key: str) -> str:
        if not message.to:
            raise PermanentError(f"the client has no address for {message.channel}")
        if not key or "/" in key or key.startswith("."):
            raise PermanentError(f"unusable idempotency key {key!r}")
        self.folder.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"key": key, **asdict(message)}, ensure_ascii=False, sort_keys=True)
        try:
            fd, scratch = tempfile.mkstemp(dir=self.folder, prefix=".writing-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(body)
            try:
                os.link(scratch, self.folder / f"{key}.json")
            except FileExistsError:
                duplicates = self.folder / "duplicates"
                duplicates.mkdir(exist_ok=True)
                os.replace(scratch, duplicates / f"{key}.{os.getpid()}.{Path(scratch).name.lstrip('.')}.json")
                log.warning("%s was delivered before; this try is recorded as a duplicate", key)
            else:
                os.unlink(scratch)
        except OSError as exc:
            raise TransientError(f"outbox folder: {exc}") from exc
        return f"file:{key}"


def backend_for(channel: str) -> Backend:
    path = {
        "email": settings.EMAIL_CHANNEL_BACKEND,
        "sms": settings.SMS_BACKEND,
        "whatsapp": settings.WHATSAPP_BACKEND,
    }[channel]
    return import_string(path)()


def send(message: Message, *, key: str) -> str:
    """Hand ``message`` to its channel's backend; the provider's id for it."""
    return backend_for(message.channel).send(message, key=key)
