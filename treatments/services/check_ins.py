"""The pain check-in: a couple of days after a completed session the client
is asked how the pain is today (0-10), through a signed link in a message.
The answer is one more point on the client's pain chart."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from bookings import services as booking_services
from bookings.links import Action
from bookings.models import Notification
from clinic.locking import lock_wait_as_busy
from treatments.errors import RecordError
from treatments.models import PainCheckIn

PAIN_MAX = 10


def record_check_in(*, notification: Notification, pain: int, now: datetime | None = None) -> PainCheckIn:
    """Write the client's answer and mark the message's link used, in one
    transaction: a refused link writes no answer, and an answer never
    stands without its link marked. One answer per session, whichever of
    its messages (a fallback on another channel) brought it."""
    now = now or timezone.now()
    if isinstance(pain, bool) or not isinstance(pain, int) or not 0 <= pain <= PAIN_MAX:
        raise RecordError("check_in_pain", field="pain")
    with lock_wait_as_busy(), transaction.atomic():
        answered = booking_services.take_reply(notification=notification, action=Action.CHECK_IN, now=now)
        appointment = answered.appointment
        # The appointment's row is locked by ``take_reply``: no other answer
        # for this session can come in between this check and the insert.
        if PainCheckIn.objects.filter(appointment_id=appointment.pk).exists():
            raise RecordError("check_in_answered")
        return PainCheckIn.objects.create(
            client_id=appointment.client_id, appointment_id=appointment.pk, pain=pain, answered_at=now,
        )
