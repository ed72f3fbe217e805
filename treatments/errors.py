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
        # Intake and re-check
        "invalid_intake": (INVALID, _("Some of the answers are not valid; see the fields.")),
        "no_intake_yet": (
            CONFLICT, _("There is no health questionnaire to re-check yet. Please fill in the full questionnaire first."),
        ),
        "recheck_without_change": (
            INVALID, _("Say what has changed since last time, or answer that nothing has changed."),
        ),
        "recheck_unchanged_with_answers": (
            INVALID, _("You answered that nothing has changed, so leave the answers out."),
        ),
        # Clearances
        "invalid_clearance": (INVALID, _("Some of the clearance details are not valid; see the fields.")),
        "correction_needs_outcome": (INVALID, _("Say what was done about the request before closing it.")),
        "correction_state_invalid": (INVALID, _("A request is closed as corrected or as declined.")),
        "correction_closed": (CONFLICT, _("This request was closed already; record a new one if the client asks "
                                          "again.")),
        "correction_request_blank": (INVALID, _("Write down what the client asked to have corrected.")),
    }


# What a single answer or field is told when it is refused (shown on the field).
FIELD_MESSAGES = {
    "region": _("Choose a body region from the list: %(choices)s."),
    "intensity": _("Give the pain as a whole number from 0 (none) to 10 (the worst)."),
    "pain_entry": _("Each pain area is a region and an intensity, e.g. {\"region\": \"lower_back\", \"intensity\": 6}."),
    "pain_repeated": _("Name each region once."),
    "list": _("Give a list."),
    "trimester_needed": _("Give the trimester (1, 2 or 3) for a pregnancy."),
    "trimester_without_pregnancy": _("Leave the trimester out unless you are pregnant."),
    "injury_detail_without_injury": _("Leave the injury details out unless you had an injury or surgery recently."),
    "injury_in_future": _("The injury date cannot be in the future."),
    "choice": _("Choose one of: %(choices)s."),
    "too_long": _("Keep this to %(limit)s characters."),
    "nul": _("Remove the NUL character."),
    "required": _("This answer is needed."),
    "yes_or_no": _("Answer true or false."),
    "valid_until_before_issue": _("A clearance cannot end before it was issued."),
    "rule_unknown": _("Choose an active contraindication rule."),
}
