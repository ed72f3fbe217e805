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
        # The pain check-in a client answers from a message's link
        "check_in_pain": (INVALID, _("Choose how strong the pain is: one number from 0 to 10.")),
        "check_in_answered": (CONFLICT, _("The check-in for this session has been answered already. Thank you.")),
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
        # session notes
        "no_note_for_appointment": (CONFLICT, _("No session is written up for a %(status)s appointment.")),
        "note_signed": (CONFLICT, _("This note is signed and cannot be changed; add an amendment instead.")),
        "note_not_signed": (CONFLICT, _("Only a signed note takes amendments; change the draft itself.")),
        "note_empty": (INVALID, _("Write at least one of what the client reported, what you found, your "
                                  "assessment or the plan before signing.")),
        "text_too_long": (INVALID, _("Keep this to %(limit)s characters.")),
        "not_text": (INVALID, _("Give this as text.")),
        "text_not_printable": (INVALID, _("Remove the control characters from this text.")),
        "required": (INVALID, _("This field is required.")),
        "not_a_choice": (INVALID, _("Choose one of: %(choices)s.")),
        "pain_out_of_scale": (INVALID, _("Give the pain as a whole number from 0 to 10, or leave it empty.")),
        "not_a_yes_or_no": (INVALID, _("Give true or false.")),
        "body_chart_invalid": (INVALID, _("The body chart is not valid: %(problem)s.")),
        "techniques_invalid": (INVALID, _("The techniques are not valid: %(problem)s.")),
        "points_invalid": (INVALID, _("The points are not valid: %(problem)s.")),
        "home_care_invalid": (INVALID, _("The home care is not valid: %(problem)s.")),
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


# What exactly is wrong with a structured part of a note, for the messages above.
PROBLEMS = {
    "not_an_object": _('give an object with "regions" and "marks"'),
    "unknown_keys": _("unknown keys %(keys)s"),
    "not_a_list": _('"%(key)s" must be a list'),
    "too_many": _("at most %(limit)s entries in %(key)s"),
    "entry_not_an_object": _("each entry of %(key)s must be an object with exactly %(keys)s"),
    "side": _('"side" must be "front" or "back"'),
    "region": _('"region" must be one of %(choices)s'),
    "coordinate": _('"x" and "y" must be numbers from 0 to 1'),
    "intensity": _('"intensity" must be a whole number from 0 to 10'),
    "technique_entry": _('each entry must be {"technique": <id>, "minutes": 1-240}'),
    "unknown_technique": _("no technique %(value)s"),
    "repeated": _("%(value)s is listed twice"),
    "minutes": _("minutes must be a whole number from 1 to 240"),
    "point_entry": _("each entry must be a point's code, e.g. GB20"),
    "unknown_point": _("no point %(value)s"),
    "routine_entry": _("each entry must be a home-care routine's id"),
    "unknown_routine": _("no active home-care routine %(value)s"),
    "no_signer": _("home care is given by a practitioner"),
}


def problem(name: str, **params) -> str:
    return str(PROBLEMS[name]) % params if params else str(PROBLEMS[name])
