"""Screening a booking before it is confirmed.

The booking core knows nothing of clinical records (an import contract
forbids it), yet a booking for a client whose answers call for a review
must wait for one. So the core keeps this list of checks, and apps above
it register theirs (``treatments`` does in ``TreatmentsConfig.ready``).
``book_appointment`` asks every check inside its transaction, after the
slot is claimed: a check that gives a reason holds the booking as
``pending``, with the reasons stored on the appointment and in its event.

A check is called with keyword arguments ``client_id``, ``service_id``,
``start`` (the session's start, aware) and ``location_id``, and returns
the reason to hold the booking, or ``None``. Plain Python: no Django here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Check = Callable[..., "str | None"]

_checks: list[Check] = []


def register(check: Check) -> None:
    """Add ``check``; registering one twice keeps one."""
    if check not in _checks:
        _checks.append(check)


def unregister(check: Check) -> None:
    if check in _checks:
        _checks.remove(check)


def registered() -> tuple[Check, ...]:
    return tuple(_checks)


def reasons(*, client_id: int, service_id: int, start: datetime, location_id: int) -> list[str]:
    """Every registered check's reason to hold this booking, in order."""
    found = []
    for check in _checks:
        reason = check(client_id=client_id, service_id=service_id, start=start, location_id=location_id)
        if reason:
            found.append(reason)
    return found


# -- the first visit -------------------------------------------------------------
#
# The booking pages ask a client with no health questionnaire yet to fill
# it in before they review the booking. Whether one is on file is the
# records' to say; they register the answer here (``TreatmentsConfig``).
# With nothing registered, nobody is asked.

_intake_on_file: list[Callable[[int], bool]] = []


def register_intake_check(check: Callable[[int], bool]) -> None:
    """``check(client_id)`` says whether the client's questionnaire is on file."""
    _intake_on_file[:] = [check]


def needs_intake(client_id: int) -> bool:
    return bool(_intake_on_file) and not _intake_on_file[0](client_id)


# The visitor's first questionnaire. A visitor has no record until the
# booking makes one, so their answers travel with the booking and are saved
# in its transaction, before the checks above read them: a visitor who
# reports a reason to wait is held for review like anyone else, and a
# refused booking keeps neither the record nor the answers.

_visitor_intake: list[Callable[..., object]] = []


def register_visitor_intake(recorder: Callable[..., object]) -> None:
    """``recorder(client=..., answers=..., address=..., now=...)`` saves a
    visitor's answers as the first questionnaire of the record ``client``."""
    _visitor_intake[:] = [recorder]


def asks_visitors() -> bool:
    """Whether the booking pages ask a visitor the questionnaire: when the
    records have said how to save it."""
    return bool(_visitor_intake)


def record_visitor_intake(*, client, answers: dict, address: str | None, now: datetime) -> None:
    _visitor_intake[0](client=client, answers=answers, address=address, now=now)
