"""Who may see and do what with appointments and schedules.

The one place these rules live: the REST API, the staff panel (querysets,
actions, buttons, form fields), the booking pages and the tasks all ask
here, and the booking service asks here before it writes.

- The front desk (receptionists, managers, superusers) sees every
  appointment and may do everything to it.
- A practitioner sees the appointments they treat and runs their own day:
  approve, check in, complete, mark a no-show, move, cancel, and write the
  note for the session. They keep their own time off.
- A client sees their own appointments and may move or cancel them.
- Once an appointment has started, only the front desk may move or cancel
  it: a client cannot wipe out a no-show, nor a practitioner a late start.
- Anyone else sees none, so to them an appointment does not exist (404).

Only clients (for themselves) and the front desk (for a client they name)
may book.

Replies from a message's link (``link_refusal``): a signed link stands for
the appointment's client, without a login. It offers what its message
offers (confirm or cancel from a confirmation, a reminder or a moved
notice; the pain check-in from a check-in) and only while that still
makes sense: the appointment is still ahead, at the time the message
named, and open. The booking service then acts as the client's login
when there is one (``link_actor``), so the client's own rules are asked
as well.

Messages (the outbox): the front desk sees every notification and sends a
failed one again; a practitioner sees, read-only, those of the
appointments they treat (did the client get the reminder, did they
confirm); clients and anyone else none.

Reports (the clinic's figures): managers only.

People:

- Only a superuser makes superusers, gives staff status without a role,
  and hands out groups or single permissions. A manager manages the
  other staff's accounts (never a superuser's or another manager's) and
  gives them the receptionist or the practitioner role, nothing else.
- The front desk sees every client; a practitioner only the clients
  booked with them, and their home-care plans. A home-care assignment is
  signed by the practitioner who makes it, and only they change what it
  says; the front desk (a manager, by role) may end it.
"""

from __future__ import annotations

import enum
from datetime import datetime

from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.errors import BookingError
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, Notification, TimeOff
from clinic import roles
from clinic.models import Client, Practitioner, User
from clinic.roles import is_front_desk
from clinic.selectors import client_of, practitioner_of
from treatments.models.catalogue import HomeCareAssignment


class Act(enum.StrEnum):
    """What can be done to an appointment; each label reads after "You are
    not allowed to"."""

    VIEW = "view"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    APPROVE = "approve"
    CHECK_IN = "check_in"
    COMPLETE = "complete"
    NO_SHOW = "no_show"
    EDIT_NOTES = "edit_notes"
    REASSIGN = "reassign"

    @property
    def label(self) -> str:
        return str(ACT_LABELS[self])


ACT_LABELS = {
    Act.VIEW: _("see this appointment"),
    Act.CANCEL: _("cancel this appointment"),
    Act.RESCHEDULE: _("move this appointment"),
    Act.APPROVE: _("approve this appointment"),
    Act.CHECK_IN: _("check this client in"),
    Act.COMPLETE: _("complete this appointment"),
    Act.NO_SHOW: _("mark this appointment as a no-show"),
    Act.EDIT_NOTES: _("change the notes of this appointment"),
    Act.REASSIGN: _("give this appointment to another practitioner: only the front desk can"),
}
BOOK_LABEL = _("book appointments: only clients and the front desk book")
CONFIRM_ATTENDANCE_LABEL = _("confirm attendance for this appointment: only its client or the front desk can")
RETRY_LABEL = _("send failed messages again: only the front desk can")

FRONT_DESK_ACTS = frozenset(Act)
# On the appointments they treat; handing a client to a colleague is the
# front desk's, which keeps both diaries.
PRACTITIONER_ACTS = frozenset(Act) - {Act.REASSIGN}
CLIENT_ACTS = frozenset({Act.VIEW, Act.CANCEL, Act.RESCHEDULE})  # on their own
BEFORE_START_ACTS = frozenset({Act.CANCEL, Act.RESCHEDULE})  # unless front desk


# -- seeing -------------------------------------------------------------------


def visible_appointments(user, queryset: QuerySet[Appointment] | None = None) -> QuerySet[Appointment]:
    """The part of ``queryset`` (all appointments by default) ``user`` may see."""
    queryset = Appointment.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if is_front_desk(user):
        return queryset
    return queryset.filter(Q(client__user=user) | Q(practitioner__user=user))


def visible_events(user, queryset: QuerySet[AppointmentEvent]) -> QuerySet[AppointmentEvent]:
    """The audit trail of the appointments ``user`` may see."""
    if is_front_desk(user):
        return queryset
    return queryset.filter(appointment__in=visible_appointments(user).values("pk"))


# -- doing --------------------------------------------------------------------


def _acts_by_role(user, appointment: Appointment) -> frozenset[Act]:
    """What ``user``'s relation to ``appointment`` allows, whatever the time."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if is_front_desk(user):
        return FRONT_DESK_ACTS
    acts: frozenset[Act] = frozenset()
    practitioner, client = practitioner_of(user), client_of(user)
    if practitioner is not None and appointment.practitioner_id == practitioner.pk:
        acts |= PRACTITIONER_ACTS
    if client is not None and appointment.client_id == client.pk:
        acts |= CLIENT_ACTS
    return acts


def acts_on(user, appointment: Appointment, now: datetime | None = None) -> frozenset[Act]:
    """Everything ``user`` may do to ``appointment`` at ``now`` (empty: not
    even see it)."""
    acts = _acts_by_role(user, appointment)
    if acts and not is_front_desk(user) and appointment.start <= (now or timezone.now()):
        acts -= BEFORE_START_ACTS
    return acts


def may(user, act: Act, appointment: Appointment, now: datetime | None = None) -> bool:
    return act in acts_on(user, appointment, now)


def require(user, act: Act, appointment: Appointment, now: datetime | None = None) -> None:
    """Raise ``permission_denied`` (403) unless ``user`` may ``act`` on it. Ask
    only about an appointment the user can see: one they cannot see is a
    404 to them, decided by ``visible_appointments``."""
    if may(user, act, appointment, now):
        return
    if act in BEFORE_START_ACTS and act in _acts_by_role(user, appointment):
        raise BookingError("permission_denied", action=_("%(act)s once it has started; the front desk can")
                           % {"act": act.label})
    raise BookingError("permission_denied", action=act.label)


def may_ever(user, act: Act) -> bool:
    """Whether ``user`` may ``act`` on at least some appointments: the staff
    panel shows an action or a button only to those who may."""
    if is_front_desk(user):
        return True
    if act in PRACTITIONER_ACTS and practitioner_of(user) is not None:
        return True
    return act in CLIENT_ACTS and client_of(user) is not None


# -- booking ------------------------------------------------------------------


def may_book(user) -> bool:
    return is_front_desk(user) or client_of(user) is not None


def client_for_booking(*, actor, client: Client | None) -> Client:
    """Whom a booking made by ``actor`` is for.

    The front desk books for the client it names; a client books for
    themselves (a ``client`` they name is not theirs to choose, so it is
    ignored); the system (no actor: demo data, imports) names the client.
    Anyone else may not book.
    """
    if actor is None or is_front_desk(actor):
        if client is None:
            raise BookingError("client_missing", field="client")
        return client
    own = client_of(actor)
    if own is None:
        raise BookingError("permission_denied", action=BOOK_LABEL)
    return own


def bound_by_booking_cap(actor) -> bool:
    """Clients book up to ``BOOKING_MAX_UPCOMING_PER_CLIENT`` appointments
    ahead; the front desk (a course of sessions) and the system may book more."""
    return actor is not None and not is_front_desk(actor)


def books_as_staff(actor) -> bool:
    """A booking the front desk makes is recorded as the staff's, whichever
    way it came in (panel, app or pages)."""
    return actor is not None and is_front_desk(actor)


def bound_by_min_notice(actor) -> bool:
    """``BOOKING_MIN_NOTICE_MINUTES`` gives the clinic time to get ready for
    a booking made from elsewhere (the pages, the app, a link, the system on
    a visitor's behalf). The front desk books the walk-in standing at the
    counter, or moves a client who phones, knowing what the room can do
    now, so it books and moves inside the notice; the other rules stand."""
    return not books_as_staff(actor)


# -- schedules ----------------------------------------------------------------


def visible_time_off(user, queryset: QuerySet[TimeOff] | None = None) -> QuerySet[TimeOff]:
    """The front desk keeps everyone's time off; a practitioner their own."""
    queryset = TimeOff.objects.all() if queryset is None else queryset
    if is_front_desk(user):
        return queryset
    practitioner = practitioner_of(user)
    return queryset.filter(practitioner=practitioner) if practitioner else queryset.none()


def sees_every_appointment(user) -> bool:
    """Whether ``visible_appointments`` leaves nobody's out for ``user``
    (the front desk). A page laying out what colleagues share, such as the
    rooms, tells the others that it shows only their own."""
    return is_front_desk(user)


def visible_schedules(user, queryset: QuerySet[Practitioner] | None = None) -> QuerySet[Practitioner]:
    """Whose day ``user`` may see laid out in the staff calendar (hours,
    time off, bookings): the front desk everyone's, a practitioner their
    own. No rule shows a practitioner their colleagues' busy time, even
    without names, so they see their own column only."""
    queryset = Practitioner.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if is_front_desk(user):
        return queryset
    practitioner = practitioner_of(user)
    return queryset.filter(pk=practitioner.pk) if practitioner else queryset.none()


def time_off_practitioners(user) -> QuerySet[Practitioner]:
    """Whose time off ``user`` may enter."""
    if is_front_desk(user):
        return Practitioner.objects.all()
    practitioner = practitioner_of(user)
    return Practitioner.objects.filter(pk=practitioner.pk) if practitioner else Practitioner.objects.none()


# -- accounts -----------------------------------------------------------------


def may_grant_privileges(user) -> bool:
    """Superuser and staff status, any group, single permissions."""
    return bool(getattr(user, "is_superuser", False))


def may_manage_accounts(user) -> bool:
    return may_grant_privileges(user) or roles.MANAGER in roles.role_names(user)


def manageable_accounts(user, queryset: QuerySet[User] | None = None) -> QuerySet[User]:
    """The accounts ``user`` may open and change. A manager's own is not
    among them (their password has its own page), so no one edits their
    own access."""
    queryset = User.objects.all() if queryset is None else queryset
    if may_grant_privileges(user):
        return queryset
    if not may_manage_accounts(user):
        return queryset.none()
    return queryset.exclude(is_superuser=True).exclude(groups__name=roles.MANAGER)


def grantable_roles(user) -> QuerySet[Group]:
    """The roles ``user`` may give to the accounts they manage."""
    if may_grant_privileges(user):
        names = list(roles.ROLE_PERMISSIONS)
    elif may_manage_accounts(user):
        names = [roles.RECEPTIONIST, roles.PRACTITIONER]
    else:
        names = []
    return Group.objects.filter(name__in=names).order_by("name")


# -- reports ---------------------------------------------------------------------


def may_see_reports(user) -> bool:
    """The clinic's figures (utilisation, revenue, attendance): managers,
    who run the clinic. Staff who do not see every booking would see
    others' work in them; so would the front desk, whose role is the day."""
    return bool(getattr(user, "is_superuser", False)) or roles.MANAGER in roles.role_names(user)


# -- clients and their home care ---------------------------------------------------


def visible_clients(user, queryset: QuerySet[Client] | None = None) -> QuerySet[Client]:
    """The front desk sees every client; a practitioner those booked with them."""
    queryset = Client.objects.all() if queryset is None else queryset
    if is_front_desk(user):
        return queryset
    practitioner = practitioner_of(user)
    if practitioner is None:
        return queryset.none()
    return queryset.filter(pk__in=Appointment.objects.filter(practitioner=practitioner).values("client_id"))


def may_see_client(user, client: Client) -> bool:
    return visible_clients(user, Client.objects.filter(pk=client.pk)).exists()


def visible_home_care(user, queryset: QuerySet[HomeCareAssignment]) -> QuerySet[HomeCareAssignment]:
    if is_front_desk(user):
        return queryset
    return queryset.filter(client__in=visible_clients(user).values("pk"))


def home_care_signer(user) -> Practitioner | None:
    """Who signs a home-care assignment ``user`` makes: their own practitioner
    record; with none (the front desk) they make none."""
    return practitioner_of(user)


def home_care_editable(user, assignment: HomeCareAssignment) -> tuple[str, ...]:
    """What ``user`` may change of an assignment: its signer what it says,
    the front desk only whether it is still active."""
    signer = practitioner_of(user)
    if signer is not None and assignment.assigned_by_id == signer.pk:
        return ("routine", "assigned_on", "note", "active")
    if is_front_desk(user):
        return ("active",)
    return ()


# -- the client's own answers -----------------------------------------------------


def may_confirm_attendance(user, appointment: Appointment, now: datetime | None = None) -> bool:
    """Say that the client is coming: the client themselves before the start,
    or the front desk taking it over the phone."""
    if is_front_desk(user):
        return True
    client = client_of(user)
    return client is not None and appointment.client_id == client.pk and appointment.start > (now or timezone.now())


# What each message's links offer (the values of ``bookings.links.Action``,
# which sits above this module).
LINK_REPLIES: dict[str, frozenset[str]] = {
    Notification.Kind.CONFIRMATION: frozenset({"confirm", "cancel"}),
    Notification.Kind.REMINDER: frozenset({"confirm", "cancel"}),
    Notification.Kind.RESCHEDULED: frozenset({"confirm", "cancel"}),
    Notification.Kind.CHECK_IN: frozenset({"check_in"}),
}
UPCOMING = (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED)


def link_refusal(notification: Notification, action: str, now: datetime) -> str | None:
    """Why the link of ``notification`` for ``action`` may not be used at
    ``now`` (a ``BookingError`` code), or ``None`` when it may. Whether it
    was used already is the notification's own state, not a rule: the
    service checks it under a lock."""
    appointment = notification.appointment
    if action not in LINK_REPLIES.get(notification.kind, frozenset()):
        return "link_not_for_this"
    if action == "check_in":
        return None if appointment.status == AppointmentStatus.COMPLETED else "link_not_completed"
    closed = _closed_to_links(appointment, now)
    if closed is not None:
        return closed
    if notification.for_start != appointment.start:
        return "link_moved"
    return None


def _closed_to_links(appointment: Appointment, now: datetime) -> str | None:
    """Why a link may no longer move, cancel or confirm ``appointment``:
    cancelled, closed, or already started."""
    if appointment.status == AppointmentStatus.CANCELLED:
        return "link_cancelled"
    if appointment.status not in UPCOMING:
        return "link_closed"
    if appointment.start <= now:
        return "link_started"
    return None


# What the manage link (``bookings.links.make_manage_token``) lets its
# holder do: see the appointment always, move or cancel it only while it is
# open and ahead. The link stands for the client, like a reply link.
MANAGE_LINK_ACTS = frozenset({Act.VIEW, Act.RESCHEDULE, Act.CANCEL})


def manage_link_refusal(appointment: Appointment, act: Act, now: datetime) -> str | None:
    """Why the manage link may not ``act`` on ``appointment`` at ``now`` (a
    ``BookingError`` code), or ``None`` when it may."""
    if act not in MANAGE_LINK_ACTS:
        return "link_not_for_this"
    if act is Act.VIEW:
        return None
    return _closed_to_links(appointment, now)


def page_client(user) -> Client | None:
    """Whom the public booking pages book for when ``user`` is signed in:
    their own client record. Anyone else (a visitor, or a staff login using
    the public pages) books as a member of the public, with the details
    they type; staff book for others in the panel, where their role is
    checked."""
    return client_of(user)


def page_actor(user):
    """The actor the booking pages pass to the booking service: the
    client's login, whose own rules (the cap on upcoming bookings) then
    apply; for the public, the system, with the new record it makes."""
    return user if page_client(user) is not None else None


def link_actor(appointment: Appointment):
    """Whom a link reply acts as: the client's login when they have one, so
    the booking service applies the client's own rules too; otherwise the
    system, and ``link_refusal`` is the whole rule."""
    return appointment.client.user


# -- messages (the outbox) -----------------------------------------------------------


def visible_notifications(user, queryset: QuerySet[Notification] | None = None) -> QuerySet[Notification]:
    queryset = Notification.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if is_front_desk(user):
        return queryset
    practitioner = practitioner_of(user)
    return queryset.filter(appointment__practitioner=practitioner) if practitioner else queryset.none()


def may_retry_messages(user) -> bool:
    """Send a failed message again: the front desk, who answer the phone
    when a client says they heard nothing."""
    return getattr(user, "is_authenticated", False) and is_front_desk(user)
