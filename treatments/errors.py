"""The treatments app's refusals, and every message it shows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from clinic.errors import Catalogue, DomainError, ErrorKind

INVALID, FORBIDDEN, NOT_FOUND, CONFLICT = ErrorKind.INVALID, ErrorKind.FORBIDDEN, ErrorKind.NOT_FOUND, ErrorKind.CONFLICT


class RecordError(DomainError):
    """A clinical-records rule said no."""

    messages: Catalogue = {
        "permission_denied": (FORBIDDEN, _("You are not allowed to %(action)s.")),
        "not_found": (NOT_FOUND, _("Not found.")),
        "correction_needs_outcome": (INVALID, _("Say what was done about the request before closing it.")),
        "correction_state_invalid": (INVALID, _("A request is closed as corrected or as declined.")),
        "correction_closed": (CONFLICT, _("This request was closed already; record a new one if the client asks "
                                          "again.")),
        "correction_request_blank": (INVALID, _("Write down what the client asked to have corrected.")),
    }
