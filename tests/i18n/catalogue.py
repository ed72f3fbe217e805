"""The Tamil catalogue as the tests read it, and which of its entries are
client-facing (README, "Languages").

An entry is client-facing when a client can meet it:

- it is written in a file clients read through: the refusals (every app's
  ``errors.py``, ``clinic/inputs.py``), the REST edge and the API modules,
  the phrases those refusals are built from (policies, the records'
  services, the flag reasons), the framework messages the API passes on
  (``clinic/framework_texts.py``), and the pages and mail clients get
  (password reset mail, 404, 500, the appointment messages by mail, SMS
  and WhatsApp, the reply and pain check-in pages their links open, and
  the public booking pages: the home page, the steps, the manage page;
  the client's account pages: sign-in, code, password reset, my bookings,
  profile, home care, who read my record);
- or it is the label of a choice clients see (an appointment's status, a
  treatment's category, a body region...) or a message of a constraint on
  a row clients write through the API (their login, profile, intake,
  pain check-in, appointment).

Everything else (the staff panel's pages, help texts and column names) is
staff-facing: translating it is welcome, not required.
"""

from __future__ import annotations

import fnmatch
from functools import cache
from pathlib import Path

import polib
from django.conf import settings

PO_PATH = Path(settings.BASE_DIR) / "locale" / "ta" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

CLIENT_FACING_FILES = (
    "clinic/errors.py",
    "bookings/errors.py",
    "treatments/errors.py",
    "clinic/inputs.py",
    "clinic/rest.py",
    "clinic/views.py",
    "clinic/framework_texts.py",
    "clinic/api.py",
    "bookings/api.py",
    "treatments/api/*.py",
    "bookings/policies.py",
    "treatments/services/*.py",
    "treatments/selectors.py",
    "clinic/templates/404.html",
    "clinic/templates/500.html",
    "clinic/templates/registration/password_reset_*",
    # What the clinic sends clients (mail, SMS, WhatsApp) and the pages its links open.
    "bookings/messages.py",
    "bookings/templates/bookings/messages/*",
    "bookings/views/*.py",
    "bookings/templates/bookings/reply/*",
    "bookings/services.py",
    "treatments/views.py",
    "treatments/templates/treatments/check_in/*",
    # The public booking pages: the studio's home page, the steps, the manage page.
    "clinic/templates/site/*",
    "bookings/templates/bookings/book/*",
    "bookings/templates/bookings/manage/*",
    # The client's account: sign-in, sign-up, code, password reset, my bookings, profile, home care, record access.
    "bookings/templates/bookings/account/*",
    "treatments/templates/treatments/account/*",
    "clinic/middleware.py",
    "treatments/templates/treatments/book/*",
    "bookings/selectors.py",
    "clinic/static/site/*",
)


def client_facing_choices():
    from bookings.models import AppointmentEvent, AppointmentStatus, Weekday
    from clinic.models import Client
    from treatments.models import BodyRegion, FlagTier, HomeCareRoutine, Intake, IntakeAnswer, ServiceCategory
    from treatments.models.records import AccessAction

    return (
        AppointmentStatus, AppointmentEvent.Action, Weekday, Client.Language, ServiceCategory, BodyRegion,
        HomeCareRoutine.Equipment, Intake.Source, IntakeAnswer, FlagTier,
        AccessAction,  # "Who read my record" shows them
    )


def client_written_models():
    from bookings.models import Appointment
    from clinic.models import Client, User
    from treatments.models import Intake, PainCheckIn

    return (User, Client, Intake, PainCheckIn, Appointment)


@cache
def client_facing_msgids() -> frozenset[str]:
    """The msgids of the choice labels and constraint messages above."""
    msgids = set()
    for choices in client_facing_choices():
        msgids.update(_msgid(member.label) for member in choices)
    for model in client_written_models():
        for constraint in model._meta.constraints:
            message = constraint.violation_error_message
            if message is not None and message != constraint.default_violation_error_message:
                msgids.add(_msgid(message))
        for field in model._meta.get_fields():
            defaults = {}
            for klass in reversed(type(field).__mro__):
                defaults.update(getattr(klass, "default_error_messages", {}))
            for key, message in getattr(field, "error_messages", {}).items():
                if message is not defaults.get(key) and message != defaults.get(key):
                    msgids.add(_msgid(message))
    return frozenset(msgids)


def _msgid(message) -> str:
    """The text a lazy translation was made from, whatever language is active."""
    args = getattr(message, "_args", None) or getattr(message, "_proxy____args", None)
    return str(args[0]) if args else str(message)


def load_po() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def is_client_facing(entry: polib.POEntry) -> bool:
    files = {path for path, _line in entry.occurrences}
    if any(fnmatch.fnmatch(path, pattern) for path in files for pattern in CLIENT_FACING_FILES):
        return True
    return entry.msgid in client_facing_msgids()


def live_entries(po: polib.POFile) -> list[polib.POEntry]:
    """Entries in force: neither obsolete nor fuzzy (gettext skips fuzzy ones)."""
    return [entry for entry in po if not entry.obsolete and "fuzzy" not in entry.flags]
