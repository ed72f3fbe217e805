"""The channels (bookings/channels.py): email with its parts and a
Message-ID from the key, the file outbox's once-per-key delivery, errors
sorted into transient and permanent, backends chosen by settings."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail

from bookings import channels
from bookings.messages import Attachment, Message
from tests.bookings.notifications.conftest import delivered


def sms(**overrides) -> Message:
    return Message(**{"channel": "sms", "to": "+919840000001", "subject": "s", "text": "Hello", **overrides})


def test_email_has_text_html_the_calendar_and_a_message_id_from_the_key(settings):
    settings.DEFAULT_FROM_EMAIL = "Clinic <bookings@clinic.example.com>"
    message = Message(channel="email", to="a@example.test", subject="Booked", text="plain", html="<p>rich</p>",
                      attachments=(Attachment("appointment.ics", "BEGIN:VCALENDAR", "text/calendar"),))
    provider_id = channels.DjangoEmail().send(message, key="notification-7")
    (sent,) = mail.outbox
    assert provider_id == sent.extra_headers["Message-ID"] == "<notification-7@clinic.example.com>"
    assert (sent.body, sent.alternatives[0][0], sent.to) == ("plain", "<p>rich</p>", ["a@example.test"])
    assert sent.attachments[0][0] == "appointment.ics"


@pytest.mark.parametrize(("error", "kind"), [
    (smtplib.SMTPRecipientsRefused({"a@example.test": (550, b"no such user")}), channels.PermanentError),
    (smtplib.SMTPDataError(554, b"rejected"), channels.PermanentError),
    (smtplib.SMTPDataError(451, b"try later"), channels.TransientError),
    (smtplib.SMTPServerDisconnected("gone"), channels.TransientError),
    (ConnectionRefusedError("refused"), channels.TransientError),
])
def test_email_errors_are_sorted_into_transient_and_permanent(monkeypatch, error, kind):
    def fail(self, fail_silently=False):
        raise error

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", fail)
    with pytest.raises(kind):
        channels.DjangoEmail().send(Message(channel="email", to="a@example.test", subject="s", text="t"), key="k")


def test_no_address_is_permanent():
    with pytest.raises(channels.PermanentError):
        channels.DjangoEmail().send(Message(channel="email", to="", subject="s", text="t"), key="k")
    with pytest.raises(channels.PermanentError):
        channels.LoggingBackend().send(sms(to=""), key="k")


def test_the_file_outbox_delivers_a_key_once_and_records_a_repeat_as_a_duplicate(tmp_path):
    backend = channels.FileOutbox(tmp_path)
    assert backend.send(sms(), key="notification-1") == "file:notification-1"
    assert backend.send(sms(text="Hello again"), key="notification-1") == "file:notification-1"
    backend.send(sms(), key="notification-2")
    assert [(m["key"], m["text"]) for m in delivered(tmp_path)] == [("notification-1", "Hello"),
                                                                    ("notification-2", "Hello")]
    assert len(list((tmp_path / "duplicates").glob("notification-1.*.json"))) == 1
    assert not list(tmp_path.glob(".writing-*"))  # nothing half-written is left behind


def test_the_file_outbox_refuses_a_key_that_would_leave_its_folder(tmp_path):
    with pytest.raises(channels.PermanentError):
        channels.FileOutbox(tmp_path).send(sms(), key="../escape")


def test_the_logging_backend_logs_and_reports_sent(caplog):
    with caplog.at_level("INFO", logger="bookings.channels"):
        assert channels.LoggingBackend().send(sms(), key="notification-3") == "logged:notification-3"
    assert "notification-3" in caplog.text and "+919840000001" in caplog.text


def test_backends_are_chosen_by_settings(settings, tmp_path):
    settings.SMS_BACKEND = "bookings.channels.FileOutbox"
    settings.NOTIFICATION_OUTBOX_DIR = tmp_path
    settings.WHATSAPP_BACKEND = "bookings.channels.LoggingBackend"
    assert channels.send(sms(), key="notification-4") == "file:notification-4"
    assert channels.send(sms(channel="whatsapp"), key="notification-5") == "logged:notification-5"
    assert isinstance(channels.backend_for("email"), channels.DjangoEmail)
