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
