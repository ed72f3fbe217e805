"""A location's quiet hours: the local night (21:00 to 08:00 by default)
when no message goes to a client. Plain Python over aware datetimes and a
zone, so every rule here is tested without a database.

A quiet period that wraps midnight belongs to the evening it starts on;
``quiet_from == quiet_until`` means the location keeps no quiet hours. On a
day the clocks change, a boundary the clocks show twice means the first
time, and one they skip is read with the offset from before the change
(the boundaries sit in the evening and the morning, far from the usual
changes in the small hours).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo


def _moment(day: date, at: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=zone).astimezone(UTC)


def quiet_period(moment: datetime, zone: tzinfo, quiet_from: time, quiet_until: time) -> tuple[datetime, datetime] | None:
    """The quiet period (its start and end, in UTC) that ``moment`` falls
    in, or ``None`` when it falls in none."""
    if quiet_from == quiet_until:
        return None
    local = moment.astimezone(zone)
    today = local.date()
    wraps = quiet_from > quiet_until
    candidates = (today - timedelta(days=1), today) if wraps else (today,)
    for first_day in candidates:
        start = _moment(first_day, quiet_from, zone)
        end = _moment(first_day + timedelta(days=1) if wraps else first_day, quiet_until, zone)
        if start <= moment < end:
            return start, end
    return None


def before_quiet(moment: datetime, zone: tzinfo, quiet_from: time, quiet_until: time, *, margin: timedelta) -> datetime:
    """``moment``, or when it falls in quiet hours, ``margin`` before they
    began: for a reminder, which must reach the client before the visit."""
    period = quiet_period(moment, zone, quiet_from, quiet_until)
    return moment if period is None else period[0] - margin


def after_quiet(moment: datetime, zone: tzinfo, quiet_from: time, quiet_until: time) -> datetime:
    """``moment``, or when it falls in quiet hours, the moment they end: for
    a notice or a follow-up, which can wait for the morning."""
    period = quiet_period(moment, zone, quiet_from, quiet_until)
    return moment if period is None else period[1]
