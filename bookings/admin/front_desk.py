"""What the front desk does to an appointment from the panel, besides the
change form: the life-cycle buttons (check in, complete, no-show,
approve), cancelling with a reason, moving to a free slot, and booking a
walk-in.

The pages add no rule: they find the appointment among those the user
may see (``bookings.policies.visible_appointments``; any other is a 404),
ask the policy which acts to offer, and do each through
``bookings.services``, whose refusals they show as they are.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bookings import policies, selectors, services
from bookings.errors import BookingError
from bookings.models import Appointment
from bookings.policies import Act
from clinic import inputs
from clinic.admin import typed_phone
from clinic.clock import wall_clock
from clinic.models import Client, Practitioner
from treatments.models.catalogue import Service

LIFE_CYCLE = {
    Act.APPROVE: services.approve_appointment,
    Act.CHECK_IN: services.check_in,
    Act.COMPLETE: services.complete,
    Act.NO_SHOW: services.mark_no_show,
}
DONE = {
    Act.APPROVE: gettext_lazy("Approved: %(appointment)s."),
    Act.CHECK_IN: gettext_lazy("Checked in: %(appointment)s."),
    Act.COMPLETE: gettext_lazy("Completed: %(appointment)s."),
    Act.NO_SHOW: gettext_lazy("Marked as a no-show: %(appointment)s."),
}
SLOT_DAYS = 3  # days of free slots the move page lists at once
NEAREST = 6  # free starts offered when the chosen one was taken meanwhile
WALK_IN_DAYS = 7  # how far "the next free slot" looks
LONGEST_ID = 18  # digits: any longer is past every row (and what SQLite compares)


# -- finding the appointment and where to go back to ----------------------------


def appointment_for(request, object_id: str) -> Appointment:
    """The appointment ``object_id`` names, if the user may see it; 404
    otherwise, an id that is no id included."""
    if not (object_id.isascii() and object_id.isdigit()) or len(object_id) > LONGEST_ID:
        raise Http404
    queryset = policies.visible_appointments(request.user, selectors.appointments_with_details())
    appointment = queryset.filter(pk=int(object_id)).first()
    if appointment is None:
        raise Http404
    return appointment


def _change_url(appointment: Appointment) -> str:
    return reverse("admin:bookings_appointment_change", args=[appointment.pk])


def _back(request, appointment: Appointment) -> str:
    """Where to return after an act: the page it came from (on this site)
    or the appointment's own page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return _change_url(appointment)


def _named(appointment: Appointment) -> str:
    return f"{appointment.local(appointment.start)}, {appointment.client}"


def _require(request, act: Act, appointment: Appointment) -> None:
    """A page for an act the user may not do here is refused (403); the
    service asks again when it writes."""
    if act not in policies.acts_on(request.user, appointment):
        raise PermissionDenied


def _context(request, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, "subtitle": None, "opts": Appointment._meta,
            "is_nav_sidebar_enabled": False, **extra}


# -- the life-cycle buttons ---------------------------------------------------------


@require_POST
def life_cycle_view(request, object_id: str, act: str):
    """Check in, complete, mark a no-show or approve one appointment."""
    appointment = appointment_for(request, object_id)
    try:
        chosen = Act(act)
    except ValueError:
        raise Http404 from None
    if chosen not in LIFE_CYCLE:
        raise Http404
    try:
        LIFE_CYCLE[chosen](appointment=appointment, actor=request.user)
    except BookingError as error:
        messages.error(request, f"{_named(appointment)}: {error.message}")
    else:
        messages.success(request, DONE[chosen] % {"appointment": _named(appointment)})
    return HttpResponseRedirect(_back(request, appointment))


# -- cancelling with a reason -------------------------------------------------------


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept on the appointment; the client is told it was cancelled."),
    )


def cancel_view(request, object_id: str):
    appointment = appointment_for(request, object_id)
    _require(request, Act.CANCEL, appointment)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_appointment(appointment=appointment, actor=request.user,
                                        reason=form.cleaned_data["reason"])
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Cancelled: %(appointment)s.") % {"appointment": _named(appointment)})
            return HttpResponseRedirect(_back(request, appointment))
    late = services.is_late_cancellation(start=appointment.start, now=timezone.now())
    return TemplateResponse(request, "admin/bookings/front_desk/cancel.html", _context(
        request, _("Cancel an appointment"), appointment=appointment, form=form, late=late,
        starts=appointment.local(appointment.start), change_url=_change_url(appointment),
    ), status=400 if form.errors else 200)


def cancel_selected(modeladmin, request, queryset):
    """The changelist's "cancel with a reason": the first post shows the
    selected appointments and asks the reason; the second cancels each the
    user may, through the service, and says why for each one refused."""
    form = CancelForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        done = 0
        for appointment in queryset:
            try:
                services.cancel_appointment(appointment=appointment, actor=request.user,
                                            reason=form.cleaned_data["reason"])
                done += 1
            except BookingError as error:
                messages.error(request, f"{_named(appointment)}: {error.message}")
        if done:
            messages.success(request, _("%(count)d appointment(s) cancelled.") % {"count": done})
        return None  # back to the list
    chosen = list(queryset.select_related("client", "location", "service", "practitioner"))
    return TemplateResponse(request, "admin/bookings/front_desk/cancel_selected.html", _context(
        request, _("Cancel the selected appointments"), form=form, chosen=[
            {"pk": appointment.pk, "shown": _named(appointment), "service": appointment.service.name,
             "practitioner": appointment.practitioner.display_name} for appointment in chosen],
        action=request.POST.get("action", ""), select_across=request.POST.get("select_across", "0"),
    ), status=400 if form.errors else 200)


cancel_selected.short_description = gettext_lazy("Cancel with a reason")
cancel_selected.allowed_permissions = (Act.CANCEL.value,)


# -- moving to a free slot ----------------------------------------------------------


def _day_asked(request, default: date) -> date:
    """The first day the page lists: ``?day=YYYY-MM-DD`` within the panel's
    bounds, or ``default``."""
    try:
        asked = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return default
    return asked if inputs.EARLIEST <= asked <= inputs.LATEST else default


def _slot_days(slots, zones: dict[int, ZoneInfo], fallback: ZoneInfo, first_day: date, days: int) -> list[dict]:
    """The free starts grouped by local day, each start once, on the clocks
    of its location, with the zone named."""
    by_day: dict[date, dict[datetime, None]] = {first_day + timedelta(days=n): {} for n in range(days)}
    for slot in slots:
        local = slot.start.astimezone(zones.get(slot.location_id, fallback))
        if local.date() in by_day:
            by_day[local.date()][local] = None
    return [{"day": day, "starts": [{"value": start.isoformat(), "shown": start.strftime("%H:%M"),
                                     "zone": start.tzname()} for start in sorted(starts)]}
            for day, starts in by_day.items()]


def _typed_start(text: str) -> datetime | None:
    """A start as the slot buttons send it (ISO 8601 with its offset)."""
    if not text or len(text) > 40:
        return None
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        return None
    if timezone.is_naive(start) or not inputs.EARLIEST <= start.date() <= inputs.LATEST:
        return None
    return start


def _nearest(*, service: Service, practitioner: Practitioner | None, around: datetime, zone: ZoneInfo,
             user, moving: Appointment | None = None) -> list[dict]:
    starts, zone = selectors.nearest_free(service=service, practitioner=practitioner, around=around, zone=zone,
                                          limit=NEAREST, with_notice=policies.bound_by_min_notice(user),
                                          moving=moving)
    return [{"value": start.isoformat(), "shown": wall_clock(start, zone)} for start in starts]


def reschedule_view(request, object_id: str):
    """The free starts of the appointment's practitioner over a few days;
    choosing one moves it there through the booking service. A start taken
    in the meantime is answered with the nearest free ones."""
    appointment = appointment_for(request, object_id)
    _require(request, Act.RESCHEDULE, appointment)
    zone = appointment.location.time_zone
    closed = services.move_refusal(appointment)
    if closed is not None:  # no time to offer: say why, once
        return TemplateResponse(request, "admin/bookings/front_desk/reschedule.html", _context(
            request, _("Move an appointment"), appointment=appointment, starts=appointment.local(appointment.start),
            zone=zone.key, error=closed.message, closed=True, change_url=_change_url(appointment),
        ), status=409)
    today = timezone.localtime(timezone.now(), zone).date()
    first_day = max(_day_asked(request, timezone.localtime(appointment.start, zone).date()), today)
    error, nearest, status = None, [], 200
    if request.method == "POST":
        start = _typed_start(request.POST.get("start", ""))
        if start is None:
            error, status = _("Choose one of the offered times."), 400
        else:
            try:
                services.reschedule_appointment(appointment=appointment, start=start, actor=request.user)
            except BookingError as refusal:
                error, status = refusal.message, 409 if refusal.is_conflict else 400
                nearest = _nearest(service=appointment.service, practitioner=appointment.practitioner,
                                   around=start, zone=zone, user=request.user, moving=appointment)
            else:
                messages.success(request, _("Moved: %(client)s, now %(start)s.") % {
                    "client": appointment.client, "start": wall_clock(start, zone)})
                return HttpResponseRedirect(_back(request, appointment))
    last_day = first_day + timedelta(days=SLOT_DAYS - 1)
    slots, zones = selectors.free_slots_and_zones(
        service=appointment.service, first_day=first_day, last_day=last_day, practitioner=appointment.practitioner,
        with_notice=policies.bound_by_min_notice(request.user), moving=appointment)
    return TemplateResponse(request, "admin/bookings/front_desk/reschedule.html", _context(
        request, _("Move an appointment"), appointment=appointment, starts=appointment.local(appointment.start),
        days=_slot_days(slots, zones, zone, first_day, SLOT_DAYS), zone=zone.key, error=error, nearest=nearest,
        earlier=(first_day - timedelta(days=SLOT_DAYS)).isoformat() if first_day > today else None,
        later=(first_day + timedelta(days=SLOT_DAYS)).isoformat(), change_url=_change_url(appointment),
    ), status=status)


# -- walk-ins -----------------------------------------------------------------------


NOW, NEXT_FREE = "now", "next"


class WalkInForm(forms.Form):
    """Who (an existing client found by phone, or someone new), what, with
    whom, and when: now or the next free start."""

    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40,
                            help_text=gettext_lazy("Typed any way: 098400 12345, +91 98400 12345, 9840012345."))
    client = forms.CharField(required=False, widget=forms.HiddenInput)
    full_name = forms.CharField(label=gettext_lazy("Name (for a new client)"), max_length=150, required=False)
    email = forms.EmailField(label=gettext_lazy("Email (optional)"), required=False)
    service = forms.ModelChoiceField(label=gettext_lazy("Treatment"), queryset=Service.objects.none())
    practitioner = forms.ModelChoiceField(label=gettext_lazy("Practitioner"), queryset=Practitioner.objects.none(),
                                          required=False, empty_label=gettext_lazy("Anyone free"))
    when = forms.ChoiceField(label=gettext_lazy("When"), widget=forms.RadioSelect, initial=NOW, choices=[
        (NOW, gettext_lazy("Now (the next start on the grid)")), (NEXT_FREE, gettext_lazy("The next free slot"))])

    def __init__(self, *args, matches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = selectors.bookable_services()
        self.fields["practitioner"].queryset = Practitioner.objects.filter(active=True).order_by("display_name")
        self.matches = list(matches)

    def clean_phone(self) -> str:
        phone = typed_phone(self.cleaned_data["phone"])
        if phone is None:
            raise forms.ValidationError(_("That is not a phone number we can read; type all ten digits."))
        return phone

    def clean(self):
        data = super().clean()
        chosen = data.get("client") or ""
        if chosen and chosen != "new":
            client = next((client for client in self.matches if str(client.pk) == chosen), None)
            if client is None:
                self.add_error(None, _("Choose one of the clients found with this phone, or a new client."))
            data["client"] = client
        else:
            data["client"] = None
            if not data.get("full_name", "").strip():
                self.add_error("full_name", _("Give the new client's name."))
        return data


def _next_on_grid(now: datetime, zone: ZoneInfo, grid_minutes: int) -> datetime:
    """The first start on the booking grid at or after ``now``, on the
    clocks of ``zone`` (the grid runs on local hours)."""
    local = timezone.localtime(now, zone).replace(second=0, microsecond=0)
    if local < timezone.localtime(now, zone):
        local += timedelta(minutes=1)
    past = local.minute % grid_minutes
    if past:
        local += timedelta(minutes=grid_minutes - past)
    return local


def _first_free(*, service: Service, practitioner: Practitioner | None, now: datetime, user) -> datetime | None:
    zone = selectors.desk_zone()
    today = timezone.localtime(now, zone).date()
    slots = selectors.free_slots(service=service, first_day=today, last_day=today + timedelta(days=WALK_IN_DAYS),
                                 practitioner=practitioner, now=now, with_notice=policies.bound_by_min_notice(user))
    return min((slot.start for slot in slots), default=None)


def _others_with_phone(request, phone: str, client: Client | None) -> list[Client]:
    found = policies.visible_clients(request.user, selectors.clients_with_phone(phone))
    return list(found.exclude(pk=client.pk) if client is not None else found)


def shared_phone_warning(clients: list[Client]):
    """The message that a number is already another client's: families
    share phones, so it warns and does not refuse."""
    listed = format_html_join(", ", '<a href="{}">{}</a>', (
        (reverse("admin:clinic_client_change", args=[client.pk]), client.full_name) for client in clients))
    return format_html(_("This phone number is also that of: {}. Families often share one; check it is the "
                         "right person."), listed)


def walk_in_view(request):
    """Book someone at the desk: found by phone or new, now or next free."""
    if not policies.books_as_staff(request.user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    typed = (request.POST.get("phone") if data else request.GET.get("phone")) or ""
    phone = typed_phone(typed)
    matches = list(policies.visible_clients(request.user, selectors.clients_with_phone(phone))) if phone else []
    form = WalkInForm(data, matches=matches, initial={"phone": typed})
    nearest, status = [], 200
    if data is not None and form.is_valid():
        booked, nearest = _book_walk_in(request, form)
        if booked is not None:
            return HttpResponseRedirect(_change_url(booked))
        status = 409 if nearest else 400
    elif data is not None:
        status = 400
    return TemplateResponse(request, "admin/bookings/front_desk/walk_in.html", _context(
        request, _("Book a walk-in"), form=form, typed=typed, phone=phone, matches=matches,
        searched=bool(typed), unreadable=bool(typed) and phone is None, nearest=nearest,
        zone=selectors.desk_zone().key,
    ), status=status)


def _book_walk_in(request, form: WalkInForm) -> tuple[Appointment | None, list[dict]]:
    """Book what ``form`` asks; a refusal goes on the form, with the nearest
    free starts when the time was the trouble."""
    data = form.cleaned_data
    now = timezone.now()
    service, practitioner = data["service"], data["practitioner"]
    zone = selectors.desk_zone()
    if data["when"] == NEXT_FREE:
        start = _first_free(service=service, practitioner=practitioner, now=now, user=request.user)
        if start is None:
            form.add_error("when", _("Nothing is free in the next %(days)s days.") % {"days": WALK_IN_DAYS})
            return None, []
    else:
        chosen = request.POST.get("start")
        start = _typed_start(chosen) if chosen else None
        start = start or _next_on_grid(now, zone, selectors.booking_rules().grid.seconds // 60)
    newcomer = None
    if data["client"] is None:
        newcomer = services.Visitor(full_name=data["full_name"].strip(), phone=data["phone"], email=data["email"])
    others = _others_with_phone(request, data["phone"], data["client"])
    try:
        appointment = services.book_walk_in(client=data["client"], newcomer=newcomer, service=service, start=start,
                                            practitioner=practitioner, actor=request.user, now=now)
    except BookingError as error:
        form.add_error(None, error.message)
        if error.field == "start" or error.is_conflict:
            return None, _nearest(service=service, practitioner=practitioner, around=start, zone=zone,
                                  user=request.user)
        return None, []
    if newcomer is not None and others:
        messages.warning(request, shared_phone_warning(others))
    messages.success(request, _("Booked: %(appointment)s.") % {"appointment": _named(appointment)})
    return appointment, []


admin.site.add_page("front-desk/walk-in/", walk_in_view, "walk_in")
