"""Checks for dates and times that arrive as text from outside: the API and
the staff panel run them before anything computes with the value.

Dates run from EARLIEST to LATEST. Python's dates stop at years 1 and 9999,
and the code moves every date it is given: a treatment's length and
clean-up time are added to a start, a zone's offset turns local time into
UTC, a range is widened by a day at either end. Near either limit that
arithmetic overflows and the request dies with a server error. Three
centuries around today hold every birth date and every booking, with
centuries to spare before the limits.

An id from outside is compared with the database only up to LARGEST_ID,
the largest a 64-bit integer key holds: SQLite refuses to bind a larger
number, and no row has one.

Control characters (C0 and DEL) are refused in date and time text rather
than stripped: a value that carries one was not typed by a person, and the
parsers would otherwise accept some of them (a trailing line break).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)
LARGEST_ID = 2**63 - 1

CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")

MESSAGES = {
    "control_character": _("Remove the control character (a tab, line break or other invisible character)."),
    "out_of_range": _("Give a date between %(earliest)s and %(latest)s."),
}


def refuse_control_characters(text: str) -> None:
    if CONTROL_CHARACTER.search(text):
        raise ValidationError(MESSAGES["control_character"], code="control_character")


def within_bounds(value: date | datetime) -> None:
    """``value`` (a date, or a date-time read on its own clock) lies between EARLIEST and LATEST."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(
            MESSAGES["out_of_range"], code="out_of_range",
            params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )
