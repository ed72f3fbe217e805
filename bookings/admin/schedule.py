"""The staff panel for schedules and appointments.

Every write goes through ``bookings.services`` and every "may they" through
``bookings.policies``: the forms check the input (asking the service what
it would refuse, without writing), and saving calls the service once.

The panel works on the location's clocks, whatever the server's zone: a
time typed is read in the zone of the appointment's location (for a new
one, of the practitioner's), and every date-time shown says its zone.
"""

from contextlib import nullcontext
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from bookings import policies, selectors, services
from bookings.admin import front_desk, home
from bookings.admin.flags import AppointmentFlags
from bookings.admin.notifications import NotificationInline
from bookings.errors import BookingError
from bookings.models import (
    Appointment, AppointmentEvent, AppointmentStatus, Closure, DatedHours, Notification, Source, TimeOff, WorkingHours,
)
from bookings.policies import Act
from clinic import inputs
from clinic.admin import LocationAdmin, PractitionerAdmin, typed_phone
from clinic.clock import read_wall_clock, wall_clock
from clinic.models import Location, Practitioner

BOOKING_FIELDS = ["client", "practitioner", "service", "start", "notes_for_practitioner"]
RECORD_FIELDS = ["status", "review_reason", "client_confirmed_at", "location", "room", "end", "price", "source",
                 "created_at", "checked_in_at", "completed_at", "cancelled_at", "cancellation_reason",
                 "late_cancellation"]
# Read-only fields shown through a display of their own: money with its
# currency, a yes/no that means something only once cancelled.
SHOWN_AS = {"price": "price_shown", "late_cancellation": "late_cancellation_shown"}
# Read-only, these date-times are shown by the admin's ``<name>_local``, with the zone.
MOMENTS = ["start", "end", "created_at", "checked_in_at", "completed_at", "cancelled_at", "client_confirmed_at"]


# -- reading and showing the location's clocks ---------------------------------


class WallClockField(forms.SplitDateTimeField):
    """A date and a time as typed, left naive: the form reads them on the
    clocks of the zone it knows to be meant."""

    widget = AdminSplitDateTime

    def compress(self, data_list):
        if not data_list:
            return None
        day, clock = data_list
        if day in self.empty_values:
            raise ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if clock in self.empty_values:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return datetime.combine(day, clock)


def _typed_on_clocks(form: forms.ModelForm, name: str, zone: ZoneInfo | None, help_text: str) -> None:
    """Make ``name`` a ``WallClockField`` showing the instance's value on
    the clocks of ``zone`` (nothing when it is read-only here)."""
    if name not in form.fields:
        return
    model_field = form.fields[name]
    form.fields[name] = WallClockField(label=model_field.label, required=model_field.required, help_text=help_text,
                                       validators=model_field.validators)  # the panel's bounds on dates among them
    moment = getattr(form.instance, name)
    if zone is not None and moment is not None:
        form.initial[name] = timezone.make_naive(moment, zone)


def _read(form: forms.ModelForm, name: str, zone: ZoneInfo) -> None:
    """Replace the typed reading of ``name`` by the moment it means in
    ``zone``, or say on the field why it means none."""
    reading = form.cleaned_data[name]
    try:
        form.cleaned_data[name] = read_wall_clock(reading, zone)
    except ValueError:
        form.add_error(name, _("%(time)s is not a time on the clocks in %(zone)s that day: they skip it or show it "
                               "twice when summer time begins or ends.") % {"time": f"{reading:%H:%M}", "zone": zone})


def _shown_zone(zones: list[ZoneInfo]) -> ZoneInfo:
    """The zone a practitioner's times are shown in: that of the locations
    where they work (the first by name when there are several), or the
    server's when they have no working hours."""
    return zones[0] if zones else timezone.get_default_timezone()


def _several_zones(practitioner: Practitioner, zones: list[ZoneInfo]) -> str:
    return _("%(practitioner)s works in more than one time zone (%(zones)s); the panel cannot tell which one this "
             "time is in.") % {"practitioner": practitioner, "zones": ", ".join(zone.key for zone in zones)}


def _on_location_clocks(name: str):
    """A read-only field of an appointment showing the date-time ``name``
    on its location's clocks, with the zone."""

    def show(modeladmin, appointment: Appointment) -> str | None:
        moment = getattr(appointment, name)
        return None if moment is None else appointment.local(moment)

    show.__name__ = f"{name}_local"
    return admin.display(description=Appointment._meta.get_field(name).verbose_name)(show)


# -- appointments --------------------------------------------------------------


class AppointmentForm(forms.ModelForm):
    """Checks a booking or a move with the booking service, writing
    nothing; the admin's ``save_form`` then books or moves through it.

    The start is typed on the clocks of the appointment's location; for a
    new appointment, of the locations where the practitioner works. A
    practitioner working in several zones is refused rather than guessed."""

    class Meta:
        model = Appointment
        fields = BOOKING_FIELDS

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        if "start" not in self.fields:
            return
        if self.instance.pk is None:
            _typed_on_clocks(self, "start", None, _("On the clocks of the practitioner's location, in its time zone."))
        else:
            location = self.instance.location
            _typed_on_clocks(self, "start", location.time_zone, _("On the clocks of %(location)s (%(zone)s).") % {
                "location": location, "zone": location.time_zone.key})

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if "start" in self.fields:
            self._read_start(data)
            if self.errors:
                return data
        try:
            if self.instance.pk is None:
                services.check_booking(
                    client=data["client"], practitioner=data["practitioner"], service=data["service"],
                    start=data["start"], actor=self.actor,
                )
            elif "start" in self.changed_data:
                services.check_reschedule(appointment=self.instance, start=data["start"], actor=self.actor)
        except BookingError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return data

    def _read_start(self, data: dict) -> None:
        """Read the start on the clocks it was typed on; one left as it was
        keeps its moment, even in the hour the clocks repeat."""
        if self.instance.pk is not None:
            if "start" in self.changed_data:
                _read(self, "start", self.instance.location.time_zone)
            else:
                data["start"] = self.instance.start
            return
        zones = selectors.working_zones(data["practitioner"].pk)
        if len(zones) > 1:
            self.add_error("start", _several_zones(data["practitioner"], zones))
        else:
            _read(self, "start", _shown_zone(zones))


@admin.display(description=_("at"), ordering="at")
def _event_at(modeladmin, event: AppointmentEvent) -> str:
    return event.appointment.local(event.at)


_STATUSES = dict(AppointmentStatus.choices)


@admin.display(description=_("from status"))
def _event_from(modeladmin, event: AppointmentEvent) -> str:
    return _STATUSES.get(event.from_status, event.from_status) or "–"


@admin.display(description=_("to status"))
def _event_to(modeladmin, event: AppointmentEvent) -> str:
    return _STATUSES.get(event.to_status, event.to_status)


# What an event's details name, as the trail says it; a key not listed
# here is shown as it is stored.
_DETAIL_LABELS = {
    "source": _("booked through"), "review_reason": _("held for review"), "previous_start": _("was at"),
    "new_start": _("now at"), "previous_practitioner": _("was with"), "new_practitioner": _("now with"),
    "notification": _("message"), "kind": _("kind"), "channel": _("channel"), "attempts": _("attempts"),
    "error": _("error"),
}
_DETAIL_CHOICES = {key: dict(choices) for key, choices in (
    ("source", Source.choices), ("kind", Notification.Kind.choices), ("channel", Notification.Channel.choices))}


def _detail_value(event: AppointmentEvent, key: str, value) -> str:
    """A stored detail as the staff read it: a time on the location's
    clocks with its zone (it is stored in UTC or with its offset), a
    practitioner by name, a choice by its label."""
    if key in ("previous_start", "new_start") and isinstance(value, str):
        try:
            return event.appointment.local(datetime.fromisoformat(value))
        except ValueError:
            return value
    if key in ("previous_practitioner", "new_practitioner"):
        return str(Practitioner.objects.filter(pk=value).first() or value)
    return str(_DETAIL_CHOICES.get(key, {}).get(value, value))


@admin.display(description=_("details"))
def _event_details(modeladmin, event: AppointmentEvent) -> str:
    details = event.details if isinstance(event.details, dict) else {}
    if not details:
        return "–"
    return format_html_join(
        mark_safe("<br>"), "{}: {}",  # noqa: S308  (a constant)
        ((_DETAIL_LABELS.get(key, key), _detail_value(event, key, value)) for key, value in details.items()),
    )


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    can_delete = False
    fields = ["at_local", "action", "from_shown", "to_shown", "actor", "details_shown"]
    readonly_fields = fields

    at_local, from_shown, to_shown, details_shown = _event_at, _event_from, _event_to, _event_details

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("appointment__location", "actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _life_cycle_action(act: Act, service, description: str):
    """A changelist action that runs ``service`` on each selected appointment
    the user may ``act`` on, and says why for each one refused."""

    def action(modeladmin, request, queryset):
        done = 0
        for appointment in queryset:
            try:
                service(appointment=appointment, actor=request.user)
                done += 1
            except BookingError as error:
                modeladmin.message_user(
                    request, f"{appointment.local(appointment.start)} {appointment.client}: {error.message}",
                    messages.ERROR,
                )
        if done:
            modeladmin.message_user(request, _("%(count)d appointment(s) updated.") % {"count": done})

    action.__name__ = act.value
    action.short_description = description
    action.allowed_permissions = (act.value,)
    return action


def _permission_check(act: Act):
    def has_permission(self, request) -> bool:
        return self.has_change_permission(request) and policies.may_ever(request.user, act)

    return has_permission


class DayFilter(admin.SimpleListFilter):
    """Which days the list holds: today unless asked otherwise (a date
    drill-down asks for its own), each day on its location's clocks.
    ``?day=`` takes ``today``, ``tomorrow``, ``upcoming``, ``past``, ``all``
    or a date (``2026-12-07``); the list's header steps a day back and
    forth."""

    title = _("day")
    parameter_name = "day"
    NAMED = ("today", "tomorrow", "upcoming", "past", "all")

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.request = request  # whether a date drill-down asks for its own span

    def lookups(self, request, model_admin):
        return [("today", _("Today")), ("tomorrow", _("Tomorrow")), ("upcoming", _("From now on")),
                ("past", _("Before today")), ("all", _("All days"))]

    def value(self):
        value = super().value()
        if value is None:
            return None
        if value in self.NAMED:
            return value
        return value if self.day_of(value) is not None else "today"

    @staticmethod
    def day_of(value: str | None):
        try:
            day = datetime.strptime(value or "", "%Y-%m-%d").date()
        except ValueError:
            return None
        return day if inputs.EARLIEST <= day <= inputs.LATEST else None

    def chosen(self, request) -> str:
        """The value in force: none asked is today, unless a drill-down by
        date asks for a span of its own."""
        value = self.value()
        if request.method == "POST" and "_selected_action" in request.POST:
            return "all"  # an action names its rows; the list it was chosen from does not narrow them
        if value is None:
            drilling = any(key.startswith("start__") for key in request.GET)
            return "all" if drilling else "today"
        return value

    def choices(self, changelist):
        chosen = self.chosen(self.request)
        for lookup, title in self.lookup_choices:
            yield {"selected": chosen == lookup, "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                   "display": title}
        if self.day_of(chosen) is not None:
            yield {"selected": True, "query_string": changelist.get_query_string({self.parameter_name: chosen}),
                   "display": chosen}

    def queryset(self, request, queryset):
        chosen = self.chosen(request)
        zone = selectors.desk_zone()
        today = timezone.localtime(timezone.now(), zone).date()
        if chosen == "all":
            return queryset
        if chosen == "upcoming":
            return selectors.on_local_days(queryset, today, inputs.LATEST)
        if chosen == "past":
            return selectors.on_local_days(queryset, inputs.EARLIEST, today - timedelta(days=1))
        day = {"today": today, "tomorrow": today + timedelta(days=1)}.get(chosen) or self.day_of(chosen)
        return selectors.on_local_days(queryset, day, day)


@admin.register(Appointment)
class AppointmentAdmin(AppointmentFlags, admin.ModelAdmin):
    """The practitioner (and a manager) see the client's health flags here;
    everyone who sees the appointment sees why it is held for review."""

    form = AppointmentForm
    change_form_template = "admin/bookings/appointment/change_form.html"
    change_list_template = "admin/bookings/appointment/change_list.html"
    # What the desk reads first, narrow enough for 1280 px; a phone keeps
    # the first columns (see the template's styles).
    list_display = ["when", "client", "service", "practitioner", "status_shown", "price_shown"]
    list_display_links = ["when"]
    list_filter = [DayFilter, "status", "practitioner", "location", "service__category", "source"]
    ordering = ["start", "pk"]
    # Per-appointment pages of the front desk, for tests/test_panel_crawl.py's walk.
    crawled_pages = ["bookings_appointment_cancel", "bookings_appointment_reschedule"]
    search_fields = ["client__full_name", "client__phone", "client__email", "practitioner__display_name"]
    date_hierarchy = "start"
    autocomplete_fields = ["client"]
    list_select_related = ["client", "practitioner", "service", "room", "location"]
    inlines = [AppointmentEventInline, NotificationInline]
    actions = [
        _life_cycle_action(Act.APPROVE, services.approve_appointment, _("Approve selected pending appointments")),
        _life_cycle_action(Act.CHECK_IN, services.check_in, _("Check in")),
        _life_cycle_action(Act.COMPLETE, services.complete, _("Mark completed")),
        _life_cycle_action(Act.NO_SHOW, services.mark_no_show, _("Mark as no-show")),
        _life_cycle_action(Act.CANCEL, services.cancel_appointment, _("Cancel")),
        front_desk.cancel_selected,
    ]
    has_approve_permission = _permission_check(Act.APPROVE)
    has_check_in_permission = _permission_check(Act.CHECK_IN)
    has_complete_permission = _permission_check(Act.COMPLETE)
    has_no_show_permission = _permission_check(Act.NO_SHOW)
    has_cancel_permission = _permission_check(Act.CANCEL)
    start_local = _on_location_clocks("start")
    end_local = _on_location_clocks("end")
    created_at_local = _on_location_clocks("created_at")
    checked_in_at_local = _on_location_clocks("checked_in_at")
    completed_at_local = _on_location_clocks("completed_at")
    cancelled_at_local = _on_location_clocks("cancelled_at")
    client_confirmed_at_local = _on_location_clocks("client_confirmed_at")

    def get_queryset(self, request):
        return policies.visible_appointments(request.user, super().get_queryset(request))

    def get_urls(self):
        # The front desk's own pages for one appointment (bookings.admin.front_desk).
        own = [
            path("<path:object_id>/do/<str:act>/", self.admin_site.admin_view(front_desk.life_cycle_view),
                 name="bookings_appointment_act"),
            path("<path:object_id>/cancel/", self.admin_site.admin_view(front_desk.cancel_view),
                 name="bookings_appointment_cancel"),
            path("<path:object_id>/reschedule/", self.admin_site.admin_view(front_desk.reschedule_view),
                 name="bookings_appointment_reschedule"),
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        zone = selectors.desk_zone()
        today = timezone.localtime(timezone.now(), zone).date()
        day = DayFilter.day_of(request.GET.get("day")) or (
            today + timedelta(days=1) if request.GET.get("day") == "tomorrow" else today)
        extra_context = {
            **(extra_context or {}),
            "desk_day": day,
            "desk_zone": zone.key,
            "desk_named": request.GET.get("day") if request.GET.get("day") in DayFilter.NAMED else None,
            "desk_previous": (day - timedelta(days=1)).isoformat(),
            "desk_next": (day + timedelta(days=1)).isoformat(),
            "desk_today": today.isoformat(),
            "desk_walk_in": reverse("admin:walk_in") if policies.books_as_staff(request.user) else None,
            # The list needs the width at 1280 px more than the models' menu does.
            "is_nav_sidebar_enabled": False,
        }
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        """A client's number typed any common way finds their appointments."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        phone = typed_phone(search_term)
        if phone is not None:
            found = found | queryset.filter(client__phone=phone)
        return found, may_have_duplicates

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            now = timezone.now()
            allowed = policies.acts_on(request.user, obj, now)
            context["desk_acts"] = home.row_acts(request.user, obj, now)
            if Act.RESCHEDULE in allowed and obj.status in services.OPEN:
                context["desk_reschedule_url"] = reverse("admin:bookings_appointment_reschedule", args=[obj.pk])
            if Act.CANCEL in allowed and obj.status in services.OPEN:
                context["desk_cancel_url"] = reverse("admin:bookings_appointment_cancel", args=[obj.pk])
            context["desk_any"] = bool(context["desk_acts"] or context.get("desk_reschedule_url")
                                       or context.get("desk_cancel_url"))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or policies.may(request.user, Act.VIEW, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or bool(self._editable(request, obj)))

    def has_delete_permission(self, request, obj=None):
        return False

    def _editable(self, request, obj: Appointment) -> list[str]:
        """The fields of ``obj`` this user may change here: as the policy
        allows, and the time only while it can still move (the service's
        ``movable``: not once it is over, cancelled or missed)."""
        acts = policies.acts_on(request.user, obj)
        return [
            name for name, act in (("start", Act.RESCHEDULE), ("notes_for_practitioner", Act.EDIT_NOTES))
            if act in acts and (name != "start" or services.movable(obj.status))
        ]

    def _read_only(self, request, obj: Appointment | None) -> list[str]:
        if obj is None:
            return []
        if not super().has_change_permission(request, obj):
            return [*BOOKING_FIELDS, *RECORD_FIELDS]
        editable = self._editable(request, obj)
        return [name for name in [*BOOKING_FIELDS, *RECORD_FIELDS] if name not in editable]

    @staticmethod
    def _shown(name: str) -> str:
        """The read-only field that shows ``name``: a date-time with its
        zone, money with its currency."""
        return f"{name}_local" if name in MOMENTS else SHOWN_AS.get(name, name)

    def get_fields(self, request, obj=None):
        if obj is None:
            return BOOKING_FIELDS
        read_only = self._read_only(request, obj)
        return [self._shown(name) if name in read_only else name for name in [*BOOKING_FIELDS, *RECORD_FIELDS]]

    def get_readonly_fields(self, request, obj=None):
        return [self._shown(name) for name in self._read_only(request, obj)]

    def get_changeform_initial_data(self, request):
        """The add form opened from an empty time of the calendar:
        ``?practitioner=<id>&start=YYYY-MM-DDTHH:MM``, the start a reading
        of the practitioner's location's clocks, as the form reads what is
        typed (the booking service chooses the room). What cannot be read
        is left blank."""
        initial = super().get_changeform_initial_data(request)
        initial.pop("start", None)
        try:
            reading = datetime.fromisoformat(request.GET.get("start", ""))
        except ValueError:
            return initial
        if reading.tzinfo is None and inputs.EARLIEST <= reading.date() <= inputs.LATEST:
            initial["start"] = reading
        return initial

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class WithActor(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, actor=request.user, **inner)

        return WithActor

    def save_form(self, request, form, change):
        """Book or move through the service; what it returns is saved."""
        data = form.cleaned_data
        if not change:
            return services.book_appointment(
                client=data["client"], practitioner=data["practitioner"], service=data["service"],
                start=data["start"], source=Source.STAFF, actor=request.user,
                notes=data.get("notes_for_practitioner", ""),
            )
        appointment = form.instance
        if "start" in form.changed_data:
            appointment = services.reschedule_appointment(appointment=appointment, start=data["start"],
                                                          actor=request.user)
        if "notes_for_practitioner" in form.changed_data:
            appointment = services.update_notes(appointment=appointment, notes=data["notes_for_practitioner"],
                                                actor=request.user)
        return appointment

    def save_model(self, request, obj, form, change):
        """Nothing left to save: ``save_form`` saved through the service."""

    def save_related(self, request, form, formsets, change):
        # No many-to-many fields to save; the (read-only) events inline
        # still goes through its formset so the change message can read it.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The page's own clock (the date widgets' "Now", the note on how far
        # the browser is from the panel's time) is the location's.
        appointment = self.get_object(request, unquote(object_id)) if object_id else None
        with timezone.override(appointment.location.time_zone) if appointment else nullcontext():
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except BookingError:
                # The slot was taken between the form's check and the booking's
                # own, under its lock. Shown again, the form's check now sees
                # what was taken and says so on its field.
                pass
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except BookingError as error:
                self.message_user(request, error.message, messages.ERROR)
                return HttpResponseRedirect(request.get_full_path())

    @admin.display(description=_("when (local time)"), ordering="start")
    def when(self, appointment: Appointment) -> str:
        return appointment.local(appointment.start)

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, appointment: Appointment) -> str:
        """The status, and under it when the client said (from a message's
        link) that they are coming: one column where there were two."""
        if appointment.client_confirmed_at is None:
            return appointment.get_status_display()
        return format_html('{}<br><small class="desk-zone">{} {}</small>', appointment.get_status_display(),
                           _("client confirmed"), appointment.local(appointment.client_confirmed_at))

    @admin.display(description=_("price"), ordering="price")
    def price_shown(self, appointment: Appointment) -> str:
        return f"₹{number_format(appointment.price, decimal_pos=2, force_grouping=True)}"

    @admin.display(description=_("late cancellation"))
    def late_cancellation_shown(self, appointment: Appointment) -> str:
        """Whether a cancellation came inside the window; an appointment
        never cancelled has nothing to say here."""
        if appointment.status != AppointmentStatus.CANCELLED:
            return "—"
        if appointment.late_cancellation:
            return str(_("Yes: cancelled inside the cancellation window"))
        return str(_("No: cancelled in good time"))


# -- schedules -----------------------------------------------------------------


class TimeOffForm(forms.ModelForm):
    """Time off typed on the practitioner's clocks: those of the locations
    where they work, or the server's when they have no working hours yet.
    A practitioner working in several zones is refused rather than guessed;
    their time off is shown in the first zone, by name.

    ``zones`` are the practitioner's when the page already knows them (their
    own page); otherwise the form asks."""

    MOMENTS = ("start", "end")

    def __init__(self, *args, zones: list[ZoneInfo] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zones = zones
        known = self.zones is not None or self.instance.pk is not None
        zone = _shown_zone(self._zones(self.instance.practitioner_id)) if known else None
        if zone is None:
            help_text = _("On the clocks of the practitioner's location, in its time zone.")
        else:
            help_text = _("On the clocks in %(zone)s.") % {"zone": zone.key}
        for name in self.MOMENTS:
            _typed_on_clocks(self, name, zone, help_text)

    def _zones(self, practitioner_id: int | None) -> list[ZoneInfo]:
        return self.zones if self.zones is not None else selectors.working_zones(practitioner_id)

    def clean(self):
        data = super().clean()
        typed = [name for name in self.MOMENTS if data.get(name) is not None]
        if self.instance.pk is not None:
            for name in typed:
                if name not in self.changed_data:
                    data[name] = getattr(self.instance, name)
            typed = [name for name in typed if name in self.changed_data]
        if not typed:
            return data
        practitioner = data.get("practitioner")
        if practitioner is None and self.instance.practitioner_id is not None:
            practitioner = self.instance.practitioner  # their own page: the form leaves them out
        zones = self._zones(practitioner.pk if practitioner else None)
        for name in typed:
            if len(zones) > 1:
                self.add_error(name, _several_zones(practitioner, zones))
            else:
                _read(self, name, _shown_zone(zones))
        return data


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class DatedHoursInline(admin.TabularInline):
    model = DatedHours
    extra = 0
    fields = ["day", "location", "starts_at", "ends_at", "replaces_weekly", "reason"]


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    form = TimeOffForm
    extra = 0

    def get_queryset(self, request):
        return policies.visible_time_off(request.user, super().get_queryset(request))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        zones = selectors.working_zones(obj.pk if obj else None)

        class OnTheirClocks(formset.form):
            def __init__(self, *args, **inner):
                super().__init__(*args, zones=zones, **inner)

        formset.form = OnTheirClocks
        return formset


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "location", "weekday", "starts_at", "ends_at"]
    list_filter = ["practitioner", "location", "weekday"]
    search_fields = ["practitioner__display_name"]
    list_select_related = ["practitioner", "location"]


@admin.register(DatedHours)
class DatedHoursAdmin(admin.ModelAdmin):
    """Hours for one date: an extra Sunday, a late evening, a shorter day."""

    list_display = ["day", "practitioner", "location", "starts_at", "ends_at", "replaces_weekly", "reason"]
    list_filter = ["practitioner", "location", "replaces_weekly"]
    search_fields = ["practitioner__display_name", "reason"]
    date_hierarchy = "day"
    list_select_related = ["practitioner", "location"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    """The front desk keeps everyone's time off; a practitioner their own."""

    form = TimeOffForm
    list_display = ["practitioner", "starts", "ends", "reason"]
    list_filter = ["practitioner"]
    search_fields = ["practitioner__display_name", "reason"]
    date_hierarchy = "start"
    list_select_related = ["practitioner"]
    readonly_fields = ["starts", "ends"]

    def get_queryset(self, request):
        return selectors.with_working_zone(policies.visible_time_off(request.user, super().get_queryset(request)))

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return ["practitioner", "starts", "ends", "reason"]
        return ["practitioner", "start", "end", "reason"]

    @admin.display(description=_("start"), ordering="start")
    def starts(self, time_off: TimeOff) -> str:
        return wall_clock(time_off.start, time_off.working_zone or timezone.get_default_timezone())

    @admin.display(description=_("end"), ordering="end")
    def ends(self, time_off: TimeOff) -> str:
        return wall_clock(time_off.end, time_off.working_zone or timezone.get_default_timezone())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "practitioner":
            kwargs["queryset"] = policies.time_off_practitioners(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["location", "first_day", "last_day", "reason"]
    list_filter = ["location"]
    search_fields = ["reason"]
    list_select_related = ["location"]


@admin.register(AppointmentEvent)
class AppointmentEventAdmin(admin.ModelAdmin):
    list_display = ["at_local", "appointment", "action", "from_shown", "to_shown", "actor"]
    list_filter = ["action"]
    search_fields = ["appointment__client__full_name"]
    list_select_related = ["appointment__client", "appointment__practitioner", "appointment__service",
                           "appointment__location", "actor"]
    fields = ["appointment", "action", "at_local", "from_shown", "to_shown", "actor", "details_shown"]
    readonly_fields = fields

    at_local, from_shown, to_shown, details_shown = _event_at, _event_from, _event_to, _event_details

    def get_queryset(self, request):
        return policies.visible_events(request.user, super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The schedule belongs with the people and places it schedules: the
# practitioner's and the location's pages show it, attached from here so
# that ``clinic`` never imports ``bookings``.
class ScheduledPractitionerAdmin(PractitionerAdmin):
    inlines = [*PractitionerAdmin.inlines, WorkingHoursInline, DatedHoursInline, TimeOffInline]


class ScheduledLocationAdmin(LocationAdmin):
    inlines = [*LocationAdmin.inlines, ClosureInline]


admin.site.unregister(Practitioner)
admin.site.register(Practitioner, ScheduledPractitionerAdmin)
admin.site.unregister(Location)
admin.site.register(Location, ScheduledLocationAdmin)
