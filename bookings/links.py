"""Signed links in a client's messages: confirm or cancel from a reminder,
answer the pain check-in. A link names one notification and one action,
is signed with the project's key (so it cannot be guessed or altered),
carries the time it was made, and works once: the notification records
its answer, and the page that reads the link refuses a second use.

How long a link lives: ``REPLY_LINK_DAYS`` at most; a confirm or cancel
link also ends when the appointment starts (the page checks that, since
it depends on the appointment, not on the link).
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "bookings.reply-link"


class Action(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"
    CHECK_IN = "check_in"


class BadLink(Exception):
    """The link was altered, is too old, or names no action this page knows."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "tampered" or "expired"


def make_token(notification_id: int, action: Action) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object({"n": notification_id, "a": str(action)})


def read_token(token: str) -> tuple[int, Action]:
    """The notification and action a token names; raises ``BadLink``."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign_object(
            token, max_age=settings.REPLY_LINK_DAYS * 24 * 3600
        )
    except signing.SignatureExpired:
        raise BadLink("expired") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise BadLink("tampered") from None
    try:
        return int(value["n"]), Action(value["a"])
    except (KeyError, TypeError, ValueError):
        raise BadLink("tampered") from None


# The pain check-in's page belongs to the records (``treatments.views``),
# which the booking core never imports; the others are ``bookings.views``.
ROUTES = {Action.CHECK_IN: "check_in_reply"}


def reply_url(notification_id: int, action: Action) -> str:
    """The absolute address of the page that takes this reply."""
    path = reverse(ROUTES.get(action, "reply"), kwargs={"token": make_token(notification_id, action)})
    return settings.SITE_URL.rstrip("/") + path


# -- the manage link ----------------------------------------------------------
#
# The confirmation page and the client's messages carry one more link: the
# page where the client sees, moves or cancels the appointment without an
# account. It names the appointment and its client, signed with the
# project's key under its own salt (a reply token never reads as one), and
# has no clock of its own: what it may still do follows the appointment
# (``policies.manage_link_refusal``), so it keeps showing the booking and
# stops moving or cancelling it once it has started or closed.

MANAGE_SALT = "bookings.manage-link"


def make_manage_token(appointment_id: int, client_id: int) -> str:
    return signing.Signer(salt=MANAGE_SALT).sign_object({"a": appointment_id, "c": client_id})


def read_manage_token(token: str) -> tuple[int, int]:
    """The appointment and client a manage token names; raises ``BadLink``."""
    if len(token) > 200 or "\x00" in token:
        raise BadLink("tampered")
    try:
        value = signing.Signer(salt=MANAGE_SALT).unsign_object(token)
        return int(value["a"]), int(value["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, UnicodeError):
        raise BadLink("tampered") from None


def manage_path(appointment_id: int, client_id: int) -> str:
    return reverse("manage", kwargs={"token": make_manage_token(appointment_id, client_id)})


def manage_url(appointment_id: int, client_id: int) -> str:
    return settings.SITE_URL.rstrip("/") + manage_path(appointment_id, client_id)
