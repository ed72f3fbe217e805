"""Who may see and do what with the clinical records.

The one place these rules live: the staff panel, the API, the pages and the
record services all ask here. Appointments, schedules and accounts are
``bookings.policies``; this module adds the records on top of them.

- A session note is written, changed and signed by the practitioner of its
  appointment, and by nobody else. Once signed it is corrected only by an
  amendment, which its author or a manager may add.
- Clinical content (intake answers, flags, notes, amendments, body charts,
  outcomes) is read by managers, and by a practitioner for the clients
  booked with them (an appointment that was not cancelled).
- A receptionist sees that a note exists and whether it is signed, never
  what it says; they see that a client has flags only as the booking's
  "held for review" reason.
- A client reads what their practitioner shared with them (the plan and the
  home care of a signed, shared note), their own intake answers, and the
  log of who accessed their record.
- Managers keep the contraindication rules, read and export the access log,
  export everything held about a client and record correction requests.
  Nobody edits the access log.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from django.db.models import Q, QuerySet

from bookings.models import Appointment, AppointmentStatus
from clinic import roles
from clinic.models import Client
from clinic.selectors import client_of, practitioner_of
from treatments.models import Amendment, SessionNote


class NoteView(enum.StrEnum):
    """How much of a note a reader sees."""

    FULL = "full"  # every clinical field
    SHARED = "shared"  # the plan and home care the practitioner shared
    EXISTENCE = "existence"  # that it exists, its date and whether it is signed


def is_manager(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or roles.MANAGER in roles.role_names(user)


def role_of(user) -> str:
    """The role an access is logged under."""
    if getattr(user, "is_superuser", False):
        return "superuser"
    names = roles.role_names(user)
    for role in (roles.MANAGER, roles.RECEPTIONIST, roles.PRACTITIONER):
        if role in names:
            return role
    if client_of(user) is not None:
        return "client"
    return "user"


def _booked_with(practitioner_id: int) -> QuerySet[Appointment]:
    return Appointment.objects.filter(practitioner_id=practitioner_id).exclude(status=AppointmentStatus.CANCELLED)


def clinical_clients(user, queryset: QuerySet[Client] | None = None) -> QuerySet[Client]:
    """The clients whose clinical content ``user`` may read in full."""
    queryset = Client.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if is_manager(user):
        return queryset
    practitioner = practitioner_of(user)
    if practitioner is None:
        return queryset.none()
    return queryset.filter(pk__in=_booked_with(practitioner.pk).values("client_id"))


def may_read_clinical(user, client: Client) -> bool:
    return clinical_clients(user, Client.objects.filter(pk=client.pk)).exists()


def visible_notes(user, queryset: QuerySet[SessionNote] | None = None) -> QuerySet[SessionNote]:
    """The notes whose existence ``user`` may see (``note_view`` says how
    much of each)."""
    queryset = SessionNote.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if roles.is_front_desk(user):
        return queryset
    allowed = Q(pk__in=[])
    practitioner, client = practitioner_of(user), client_of(user)
    if practitioner is not None:
        allowed |= Q(client__in=_booked_with(practitioner.pk).values("client_id"))
    if client is not None:
        allowed |= Q(client=client, status="signed", shared_with_client=True)
    return queryset.filter(allowed)


def note_view(user, note: SessionNote) -> NoteView | None:
    """How much of ``note`` ``user`` sees; ``None``: not even that it exists."""
    if not getattr(user, "is_authenticated", False):
        return None
    if is_manager(user):
        return NoteView.FULL
    practitioner = practitioner_of(user)
    if practitioner is not None and (
        note.practitioner_id == practitioner.pk or _booked_with(practitioner.pk).filter(client_id=note.client_id).exists()
    ):
        return NoteView.FULL
    if roles.is_front_desk(user):
        return NoteView.EXISTENCE
    client = client_of(user)
    if client is not None and note.client_id == client.pk and note.is_signed and note.shared_with_client:
        return NoteView.SHARED
    return None


def note_views(user, notes: Sequence[SessionNote]) -> dict[int, NoteView | None]:
    """``note_view`` for each of ``notes`` (by id), in a fixed number of
    queries however many there are: a record page shows them all at once.
    The same rules as ``note_view``, asked once for every client."""
    if not getattr(user, "is_authenticated", False):
        return dict.fromkeys((note.pk for note in notes), None)
    if is_manager(user):
        return dict.fromkeys((note.pk for note in notes), NoteView.FULL)
    practitioner = practitioner_of(user)
    booked: set[int] = set()
    if practitioner is not None and notes:
        booked = set(_booked_with(practitioner.pk).filter(client_id__in={note.client_id for note in notes})
                     .values_list("client_id", flat=True))
    front_desk, client = roles.is_front_desk(user), client_of(user)
    views: dict[int, NoteView | None] = {}
    for note in notes:
        if practitioner is not None and (note.practitioner_id == practitioner.pk or note.client_id in booked):
            views[note.pk] = NoteView.FULL
        elif front_desk:
            views[note.pk] = NoteView.EXISTENCE
        elif client is not None and note.client_id == client.pk and note.is_signed and note.shared_with_client:
            views[note.pk] = NoteView.SHARED
        else:
            views[note.pk] = None
    return views


def may_write_note(user, appointment: Appointment) -> bool:
    """Write (start, change, sign) the note of ``appointment``: only its
    practitioner."""
    practitioner = practitioner_of(user)
    return practitioner is not None and appointment.practitioner_id == practitioner.pk


def may_amend(user, note: SessionNote) -> bool:
    """Add an amendment to a signed note: its author, or a manager."""
    if not note.is_signed:
        return False
    practitioner = practitioner_of(user)
    return is_manager(user) or (practitioner is not None and note.practitioner_id == practitioner.pk)


def visible_amendments(user, queryset: QuerySet[Amendment] | None = None) -> QuerySet[Amendment]:
    """Amendments are clinical content: read where the client's is."""
    queryset = Amendment.objects.all() if queryset is None else queryset
    return queryset.filter(note__client__in=clinical_clients(user).values("pk"))


def may_record_intake(user, client: Client) -> bool:
    """Add a version of ``client``'s intake: the client themselves, or
    someone who reads their clinical content."""
    own = client_of(user)
    return (own is not None and own.pk == client.pk) or may_read_clinical(user, client)


def may_record_first_intake_from_pages(client: Client, *, intake_on_file: bool) -> bool:
    """Answers given on the booking pages by a visitor, who has no login:
    accepted only as the first questionnaire of a record without a login
    (the one the booking makes for them, in the same transaction). Never a
    later version, and never on a record someone can sign in to: that
    would let anyone who types a booking rewrite another client's
    answers."""
    return client.user_id is None and not intake_on_file


def may_read_intake(user, client: Client) -> bool:
    return may_record_intake(user, client)


def may_record_clearance(user, client: Client) -> bool:
    return may_read_clinical(user, client)


def may_keep_rules(user) -> bool:
    """Change the contraindication rules."""
    return is_manager(user)


def may_read_access_log(user, client: Client | None = None) -> bool:
    """The whole log: managers. One client's: that client too."""
    if is_manager(user):
        return True
    own = client_of(user)
    return client is not None and own is not None and own.pk == client.pk


def may_export_client(user) -> bool:
    """Export everything held about a client, and record their correction
    requests (data rights)."""
    return is_manager(user)

