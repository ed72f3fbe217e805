"""The one domain error every app's errors extend.

A service that says no raises a subclass of ``DomainError``: ``code`` is
stable for programs, ``message`` is for people, ``field`` names the input at
fault (when there is one) and ``kind`` says what sort of no it is. Entry
points need to know nothing else: the REST exception handler turns the kind
into an HTTP status, a form puts the message on the field, a task records
the code.

Each app lists its messages once, in its own ``errors.py``, as a mapping
from code to (kind, message); no message is written anywhere else.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS as NON_FIELD
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ErrorKind(enum.IntEnum):
    """What sort of refusal an error is; the value is its HTTP status."""

    INVALID = 400  # the request itself is wrong
    FORBIDDEN = 403  # this caller may not do it
    NOT_FOUND = 404  # nothing the caller may see answers to that
    CONFLICT = 409  # the state of things does not allow it now
    TOO_MANY = 429  # too many tries; wait before the next
    UNAVAILABLE = 503  # the service is too busy to decide now; try again


Catalogue = Mapping[str, tuple[ErrorKind, Promise | str]]


class DomainError(Exception):
    """A rule said no. Subclasses set ``messages``: code -> (kind, message).

    ``fields`` carries messages per input when a rule has several things to
    say at once (every way a password is too weak, every profile field a
    model check refused); otherwise the message belongs to ``field``.
    """

    messages: Catalogue = {}

    def __init__(
        self, code: str, *, field: str | None = None, fields: dict[str, list[str]] | None = None, **params
    ):
        kind, template = self.messages[code]
        self.code = code
        self.kind = kind
        self.field = field
        self.message = str(template) % params if params else str(template)
        self._fields = fields
        super().__init__(self.message)

    @property
    def is_conflict(self) -> bool:
        return self.kind is ErrorKind.CONFLICT

    @property
    def field_messages(self) -> dict[str, list[str]]:
        """The messages per input, as forms and the API show them."""
        if self._fields is not None:
            return self._fields
        return {self.field: [self.message]} if self.field else {}

    @classmethod
    def from_validation(cls, code: str, error: ValidationError) -> DomainError:
        """A model's own validation refusal (``full_clean``) as this error:
        field messages stay on their fields; a message about the whole
        record becomes the error's message."""
        by_field = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD: error.messages}
        general = by_field.get(NON_FIELD, [])
        refusal = cls(code, fields={name: messages for name, messages in by_field.items() if name != NON_FIELD})
        if general:
            refusal.message = general[0]
            refusal.args = (general[0],)
        return refusal


class CommonError(DomainError):
    """Refusals every app shares: locks that could not be had, and so on."""

    messages: Catalogue = {
        "busy": (ErrorKind.UNAVAILABLE, _("The clinic's calendar is busy right now. Please try again.")),
    }


class ClinicError(DomainError):
    """A rule about people said no."""

    messages: Catalogue = {
        "email_taken": (ErrorKind.INVALID, _("An account with this email address already exists.")),
        "weak_password": (ErrorKind.INVALID, _("Choose a stronger password.")),
        "invalid_profile": (ErrorKind.INVALID, _("Some of the details are not valid; see the fields.")),
        "not_found": (ErrorKind.NOT_FOUND, _("This login has no client profile.")),
        "wrong_password": (ErrorKind.INVALID, _("That is not your current password.")),
        "reset_link_invalid": (
            ErrorKind.INVALID, _("This password reset link is not valid any more. Ask for a new one."),
        ),
        "code_invalid": (
            ErrorKind.INVALID, _("That code is not right, or it has run out. Check the text message, or ask for a new code."),
        ),
        "code_too_many_tries": (
            ErrorKind.TOO_MANY, _("Too many wrong codes. Ask for a new code, or sign in with your email and password."),
        ),
        "code_rate_limited": (
            ErrorKind.TOO_MANY,
            _("Too many codes were asked for this number or from this network. Try again in an hour, or sign in "
              "with your email and password."),
        ),
        "staff_login": (
            ErrorKind.FORBIDDEN, _("This is a staff login. Staff sign in at the staff panel, not on the client pages."),
        ),
        "locked_out": (
            ErrorKind.TOO_MANY,
            _("Too many failed sign-ins for this account or from this network. Try again in %(minutes)s minutes, "
              "or set a new password by email."),
        ),
    }
