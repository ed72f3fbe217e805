"""API for availability and appointments. Views check the shape of the
input, call one function of ``bookings.services`` and render the result;
who may see and do what is ``bookings.policies``."""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone
from itertools import accumulate, chain, repeat
from zoneinfo import ZoneInfo

import django_filters
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import policies, selectors, services
from bookings.availability import FreeRun, in_time_order, offset_changes
from bookings.errors import BookingError
from bookings.models import Appointment, AppointmentStatus, Source
from clinic.models import Client, Practitioner
from clinic.rest import EncodedJSON, SafeDateField, SafeDateTimeField, StrictSerializer, error_responses
from treatments.models.catalogue import Service

MAX_AVAILABILITY_DAYS = 31


def local_iso(moment: datetime, zone) -> str:
    return timezone.localtime(moment, zone).isoformat()


class AwareDateTimeField(SafeDateTimeField):
    """A date-time that must carry its UTC offset: a phone and the clinic may
    sit in different zones, so a bare wall time would be ambiguous."""

    default_error_messages = {"naive": "Give the time with its UTC offset, e.g. 2026-12-08T10:00:00+05:30."}

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:  # well-formed but impossible, e.g. minute 99
                self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss]±hh:mm")
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        return super().to_internal_value(value)


# -- availability ------------------------------------------------------------


class FoundByIdField(serializers.PrimaryKeyRelatedField):
    """A related row given by its id, as ``PrimaryKeyRelatedField`` reads
    it (the same errors, the same schema from ``queryset``), but found by
    ``find``, a selector's hand-written statement that answers ``None``
    for no such row. The app asks for availability whenever a client
    looks at a day, and the two querysets' ``get`` cost a third of a quiet
    calendar's whole engine run (``bench/availability.py``)."""

    def __init__(self, *, find, **kwargs):
        self.find = find
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            if isinstance(data, bool):
                raise TypeError
            pk = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        found = self.find(pk)
        if found is None:
            self.fail("does_not_exist", pk_value=data)
        return found


class AvailabilityQuery(StrictSerializer):
    service = FoundByIdField(queryset=Service.objects.active(), find=selectors.active_service)
    start = SafeDateField(help_text="First local date, YYYY-MM-DD.")
    end = SafeDateField(help_text="Last local date, inclusive; at most 31 days after start.")
    practitioner = FoundByIdField(
        queryset=Practitioner.objects.filter(active=True), find=selectors.active_practitioner, required=False,
        help_text="Leave out for anyone.",
    )

    def validate(self, data):
        if data["end"] < data["start"]:
            raise ValidationError({"end": [BookingError("invalid_range").message]})
        if (data["end"] - data["start"]).days >= MAX_AVAILABILITY_DAYS:
            raise ValidationError({"end": [BookingError("range_too_long", days=MAX_AVAILABILITY_DAYS).message]})
        return data


class SlotSerializer(serializers.Serializer):
    """One row of the availability answer, as the schema documents it. The
    view writes the rows itself (``slots_json``), in this shape."""

    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    practitioner = serializers.IntegerField()
    location = serializers.IntegerField()


class AvailabilitySerializer(serializers.Serializer):
    slots = SlotSerializer(many=True)


_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def local_texts(instants: Iterable[datetime], zone: ZoneInfo) -> dict[datetime, str]:
    """Each distinct instant as ``local_iso`` shows it in ``zone``, every
    character the same, at a fraction of the cost.

    Between two changes of the zone's offset the local time is the time
    since 1970 plus a fixed offset: a naive date-time, whose ``isoformat``
    is cheap, followed by the offset written once. The loops are ``map``
    and ``zip`` over whole stretches, so no Python code runs per instant."""
    moments = sorted(dict.fromkeys(instants))
    texts: dict[datetime, str] = {}
    if not moments:
        return texts
    bounds = [moments[0], *offset_changes(moments[0], moments[-1], zone)]
    cuts = [bisect_left(moments, bound) for bound in bounds] + [len(moments)]
    for bound, low, high in zip(bounds, cuts, cuts[1:]):
        offset = bound.astimezone(zone).utcoffset()
        written = datetime(2000, 1, 1, tzinfo=dt_timezone(offset)).isoformat()[len("2000-01-01T00:00:00"):]
        stretch = moments[low:high]
        wall = map(operator.add, repeat(datetime(1970, 1, 1) + offset), map(operator.sub, stretch, repeat(_UNIX_EPOCH)))
        texts.update(zip(stretch, map(operator.add, map(datetime.isoformat, wall), repeat(written))))
    return texts


# The wall clock at each minute of a day as ``isoformat`` writes it. A run's
# times on one local date and one offset are a slice of it, every ``step``.
_CLOCK = [f"{hour:02d}:{minute:02d}:00" for hour in range(24) for minute in range(60)]
_DAY_SECONDS = 24 * 3600
_MINUTE = timedelta(minutes=1)
_MICROSECOND = timedelta(microseconds=1)
_UNIX_DAY_ORDINAL = _UNIX_EPOCH.toordinal()


def _offset_text(offset: timedelta) -> str:
    return datetime(2000, 1, 1, tzinfo=dt_timezone(offset)).isoformat()[len("2000-01-01T00:00:00"):]


def _whole_minutes(delta: timedelta) -> int | None:
    minutes, rest = divmod(delta, _MINUTE)
    return None if rest else minutes


class _Stretches:
    """One zone's offsets from ``first`` to ``last`` (seconds since 1970):
    ``changes[i - 1]`` starts the stretch of ``offsets[i]`` seconds, written
    as ``texts[i]``."""

    def __init__(self, zone: ZoneInfo, first: int, last: int) -> None:
        first_moment = datetime.fromtimestamp(first, UTC)
        changes = offset_changes(first_moment, datetime.fromtimestamp(last, UTC), zone)
        offsets = [moment.astimezone(zone).utcoffset() for moment in (first_moment, *changes)]
        self.zone = zone
        self.changes = [int(change.timestamp()) for change in changes]
        self.offsets = [int(offset.total_seconds()) for offset in offsets]
        self.texts = list(map(_offset_text, offsets))
        self.days: dict[int, str] = {}


def _run_text(run: FreeRun, exact: tuple[int, int, int] | None, length: int | None, duration: timedelta,
              stretches: _Stretches) -> tuple:
    """A run's rows as five pieces each, up to the practitioner: before,
    the start's text, between, the end's text, after; the texts as lists.
    ``exact``: the run's first start and last end in seconds since 1970 and
    its step in minutes, or ``None`` when the step or the session
    (``length`` minutes, ``duration``) is off whole minutes. On one date
    and one offset the texts are the clock's alone, slices of ``_CLOCK``,
    with the date and the offset in the pieces around them; else they are
    whole."""
    if exact is not None:
        at, last_end, every = exact
        changes = stretches.changes
        stretch = bisect_right(changes, at) if changes else 0
        day, second = divmod(at + stretches.offsets[stretch], _DAY_SECONDS)
        first = second // 60
        if (
            not second % 60
            and first + (run.count - 1) * every + length < len(_CLOCK)
            and (not changes or bisect_right(changes, last_end) == stretch)
        ):
            date_text = stretches.days.get(day)
            if date_text is None:
                date_text = stretches.days[day] = date.fromordinal(_UNIX_DAY_ORDINAL + day).isoformat() + "T"
            offset, stop = stretches.texts[stretch], first + run.count * every
            return ('{"start":"' + date_text, _CLOCK[first:stop:every], offset + '","end":"' + date_text,
                    _CLOCK[first + length:stop + length:every], offset)
    # Past midnight, across a change of offset, or off whole minutes: time by time.
    starts = list(accumulate(repeat(run.step, run.count - 1), operator.add, initial=run.start))
    ends = list(map(operator.add, starts, repeat(duration)))
    texts = local_texts(chain(starts, ends), stretches.zone)
    return '{"start":"', list(map(texts.__getitem__, starts)), '","end":"', list(map(texts.__getitem__, ends)), ""


def slots_json(runs: list[FreeRun], zones: dict[int, ZoneInfo], duration: timedelta) -> str:
    """``{"slots": [...]}`` as JSON text for the engine's free runs of a
    service lasting ``duration``: each slot a row as ``SlotSerializer``
    describes it, in ``free_slots``'s order, and byte for byte what the
    JSON renderer writes for the same rows of ``local_iso`` times.

    This is the measured hot loop of the availability answer
    (``bench/availability.py``), so nothing is done per slot that can be
    done per run, and a run's instants are worked with as whole seconds
    since 1970. A run is evenly spaced starts: on one local date and one
    offset, its times are slices of the wall clock's minutes (``_CLOCK``)
    between pieces that hold the date and the offset (``_run_text``).
    ISO 8601 times and ints need no JSON escaping."""
    if not runs:
        return '{"slots":[]}'
    length = _whole_minutes(duration)
    exact: list[tuple[int, int, int] | None] = []  # see _run_text
    bounds: dict[int, tuple[int, int]] = {}  # each location's first start and last end, of the exact runs
    for start, count, step, _, location_id in runs:
        every = _whole_minutes(step)
        if length is None or every is None or start.microsecond:
            exact.append(None)
            continue
        at = int(start.timestamp())
        last_end = at + ((count - 1) * every + length) * 60
        exact.append((at, last_end, every))
        low, high = bounds.get(location_id, (at, last_end))
        bounds[location_id] = (min(low, at), max(high, last_end))
    stretches = {
        location_id: _Stretches(zones[location_id], *bounds.get(location_id, (0, 0)))
        for location_id in dict.fromkeys(run.location_id for run in runs)
    }
    tails = {
        place: f'","practitioner":{int(place[0])},"location":{int(place[1])}}}'
        for place in dict.fromkeys((run.practitioner_id, run.location_id) for run in runs)
    }

    def text_of(run: FreeRun, found: tuple[int, int, int] | None) -> tuple:
        return _run_text(run, found, length, duration, stretches[run.location_id])

    rows = (_rows_in_order if in_time_order(runs) else _rows_by_start)(runs, exact, text_of, tails)
    return '{"slots":[' + rows + "]}"


def _rows_in_order(runs: list[FreeRun], exact: list, text_of, tails: dict[tuple[int, int], str]) -> str:
    """Runs in time order (one practitioner's, as a rule): every row's
    pieces (``text_of`` a run) laid out by slice assignments, and joined
    once."""
    pieces: list[str] = []
    for run, found in zip(runs, exact):
        before, starts, between, ends, after = text_of(run, found)
        closing = after + tails[run.practitioner_id, run.location_id] + ","
        laid_out = [before, between, between, between, closing] * run.count
        laid_out[1::5], laid_out[3::5] = starts, ends
        pieces += laid_out
    pieces[-1] = pieces[-1][:-1]
    return "".join(pieces)


def _rows_by_start(runs: list[FreeRun], exact: list, text_of, tails: dict[tuple[int, int], str]) -> str:
    """Runs out of time order (several practitioners'): each row joined,
    colleagues with the same hours at one location sharing their rows up
    to the practitioner, then the rows put in order by their starts,
    stably, as ``free_slots`` sorts its slots."""
    rows: list[str] = []
    keys: list[int] = []
    shared: dict[tuple, tuple[list[str], str]] = {}
    for run, found_exact in zip(runs, exact):
        start, count, step, practitioner_id, location_id = run
        found = shared.get((start, count, step, location_id))
        if found is None:
            before, starts, between, ends, after = text_of(run, found_exact)
            heads = list(map("".join, zip(repeat(before), starts, repeat(between), ends)))
            found = shared[start, count, step, location_id] = (heads, after)
        heads, after = found
        rows.extend(map(operator.add, heads, repeat(after + tails[practitioner_id, location_id])))
        first, every = (start - _UNIX_EPOCH) // _MICROSECOND, step // _MICROSECOND
        keys.extend(range(first, first + count * every, every))
    return ",".join(map(rows.__getitem__, sorted(range(len(rows)), key=keys.__getitem__)))


@extend_schema(
    tags=["booking"],
    parameters=[AvailabilityQuery],
    responses={200: AvailabilitySerializer, **error_responses(400, 429)},
)
class AvailabilityView(APIView):
    """Free start times for a service between two local dates."""

    permission_classes = [AllowAny]

    def get(self, request):
        query = AvailabilityQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        service = data["service"]
        runs, zones = selectors.free_runs_and_zones(
            service=service, first_day=data["start"], last_day=data["end"],
            practitioner=data.get("practitioner"),
            # The front desk may book inside the minimum notice, so it is shown those times too.
            with_notice=policies.bound_by_min_notice(request.user),
        )
        return Response(EncodedJSON(slots_json(runs, zones, selectors.service_spec(service).duration)))


# -- appointments -------------------------------------------------------------


class AppointmentSerializer(serializers.ModelSerializer):
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    service_name = serializers.CharField(source="service.name", read_only=True)
    practitioner_name = serializers.CharField(source="practitioner.display_name", read_only=True)
    client_name = serializers.CharField(source="client.full_name", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    time_zone = serializers.CharField(source="location.time_zone", read_only=True)
    room = serializers.CharField(source="room.name", default=None, read_only=True, allow_null=True)
    currency = serializers.SerializerMethodField()
    cancellation_reason = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id", "status", "start", "end", "service", "service_name", "practitioner", "practitioner_name",
            "client", "client_name", "location", "location_name", "time_zone", "room", "price", "currency",
            "source", "notes_for_practitioner", "late_cancellation", "cancellation_reason", "created_at",
            "review_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, appointment: Appointment) -> str:
        return local_iso(appointment.start, appointment.location.time_zone)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, appointment: Appointment) -> str:
        return local_iso(appointment.end, appointment.location.time_zone)

    def get_currency(self, appointment: Appointment) -> str:
        return settings.CLINIC_CURRENCY

    def get_cancellation_reason(self, appointment: Appointment) -> str:
        return services.shown_cancellation_reason(appointment.cancellation_reason)


class BookingSerializer(StrictSerializer):
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.all())
    practitioner = serializers.PrimaryKeyRelatedField(
        queryset=Practitioner.objects.all(), required=False, allow_null=True,
        help_text="Leave out or null to take whoever is free at that time.",
    )
    start = AwareDateTimeField()
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.all(), required=False,
        help_text="Front-desk staff only: the client the booking is for.",
    )


class CancelSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class RescheduleSerializer(StrictSerializer):
    start = AwareDateTimeField()


class AppointmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AppointmentStatus.choices)
    upcoming = django_filters.BooleanFilter(method="filter_upcoming", help_text="true: not yet started.")

    class Meta:
        model = Appointment
        fields = ["status", "upcoming"]

    def filter_upcoming(self, queryset, name, value):
        now = timezone.now()
        return queryset.filter(start__gte=now) if value else queryset.filter(start__lt=now)


ACTION_ERRORS = error_responses(400, 401, 403, 404, 409, 503)
APPOINTMENT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The appointment's id.")


class MayBook(BasePermission):
    """Only clients and the front desk book (``policies.may_book``)."""

    def has_permission(self, request, view) -> bool:
        return view.action != "create" or policies.may_book(request.user)


@extend_schema_view(
    list=extend_schema(responses={200: AppointmentSerializer(many=True), **error_responses(400, 401, 404)}),
    retrieve=extend_schema(parameters=[APPOINTMENT_ID],
                           responses={200: AppointmentSerializer, **error_responses(401, 404)}),
    # Only the operations on one appointment have the id in their path.
    **{name: extend_schema(parameters=[APPOINTMENT_ID])
       for name in ("cancel", "reschedule", "check_in", "complete", "no_show")},
)
@extend_schema(tags=["appointments"])
class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Clients see their own appointments, practitioners those assigned to
    them, the front desk everyone's. What a caller may not see is a 404;
    what they may see but not change, a 403."""

    # Who may see and do what is bookings.policies, asked by get_queryset,
    # MayBook and the services; nothing here decides it.

    serializer_class = AppointmentSerializer
    permission_classes = [IsAuthenticated, MayBook]
    filterset_class = AppointmentFilter
    lookup_value_regex = r"[0-9]+"

    queryset = Appointment.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return policies.visible_appointments(self.request.user, selectors.appointments_with_details())

    @extend_schema(
        request=BookingSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="Replaying the same key and body returns the first answer.")],
        responses={201: AppointmentSerializer, **error_responses(400, 401, 403, 409, 429, 503)},
    )
    def create(self, request):
        form = BookingSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        booked = services.book_once(
            idempotency_key=request.headers.get("Idempotency-Key", "").strip() or None,
            actor=request.user, client=data.get("client"), service=data["service"],
            practitioner=data.get("practitioner"), start=data["start"], notes=data["notes"], source=Source.APP,
        )
        headers = {"Idempotent-Replayed": "true"} if booked.replayed else {}
        appointment = selectors.with_place(booked.appointment)
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED, headers=headers)

    def _respond(self, appointment: Appointment) -> Response:
        return Response(AppointmentSerializer(self.get_queryset().get(pk=appointment.pk)).data)

    @extend_schema(request=CancelSerializer, responses={200: AppointmentSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        form = CancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._respond(services.cancel_appointment(
            appointment=self.get_object(), actor=request.user, reason=form.validated_data["reason"]))

    @extend_schema(request=RescheduleSerializer, responses={200: AppointmentSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        form = RescheduleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._respond(services.reschedule_appointment(
            appointment=self.get_object(), start=form.validated_data["start"], actor=request.user))

    @extend_schema(request=None, responses={200: AppointmentSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        return self._respond(services.check_in(appointment=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses={200: AppointmentSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._respond(services.complete(appointment=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses={200: AppointmentSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        return self._respond(services.mark_no_show(appointment=self.get_object(), actor=request.user))
