from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import services
from bookings.errors import BookingError
from bookings.models import Appointment, AppointmentEvent, Closure, Source, TimeOff, WorkingHours
from clinic import roles


def local_time(appointment: Appointment) -> str:
    return timezone.localtime(appointment.start, appointment.location.time_zone).strftime("%a %d %b %Y, %H:%M")


class AppointmentForm(forms.ModelForm):
    """Booking and moving go through the booking service, inside ``clean``,
    so a refusal shows on the form and a success is already saved."""

    class Meta:
        model = Appointment
        fields = ["client", "practitioner", "service", "start", "notes_for_practitioner"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        if self.instance.pk:
            for name in ("client", "practitioner", "service"):
                self.fields[name].disabled = True

    def _post_clean(self):
        # Skip the model's own validation: the service validates and saves.
        if self.errors:
            return
        data = self.cleaned_data
        try:
            if self.instance.pk is None:
                self.instance = services.book_appointment(
                    client=data["client"],
                    practitioner=data["practitioner"],
                    service=data["service"],
                    start=data["start"],
                    source=Source.STAFF,
                    actor=self.actor,
                    notes=data.get("notes_for_practitioner", ""),
                )
            elif data["start"] != self.initial.get("start"):
                self.instance = services.reschedule_appointment(
                    appointment=self.instance, start=data["start"], actor=self.actor
                )
        except BookingError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
            return
        self.instance.notes_for_practitioner = data.get("notes_for_practitioner", "")


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_status", "to_status", "actor", "details"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _life_cycle_action(service, description: str):
    def action(modeladmin, request, queryset):
        done = 0
        for appointment in queryset:
            try:
                service(appointment=appointment, actor=request.user)
                done += 1
            except BookingError as error:
                modeladmin.message_user(request, f"{appointment}: {error.message}", messages.ERROR)
        if done:
            modeladmin.message_user(request, _("%(count)d appointment(s) updated.") % {"count": done})

    action.__name__ = service.__name__
    action.short_description = description
    action.allowed_permissions = ("change",)
    return action


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    form = AppointmentForm
    list_display = ["when", "client", "practitioner", "service", "room", "status", "source"]
    list_filter = ["status", "practitioner", "location", "service__category", "source"]
    search_fields = ["client__full_name", "client__phone", "client__email", "practitioner__display_name"]
    date_hierarchy = "start"
    autocomplete_fields = ["client"]
    list_select_related = ["client", "practitioner", "service", "room", "location"]
    readonly_fields = ["status", "location", "room", "end", "price", "source", "created_at", "cancellation_reason",
                       "late_cancellation"]
    inlines = [AppointmentEventInline]
    actions = [
        _life_cycle_action(services.approve_appointment, _("Approve selected pending appointments")),
        _life_cycle_action(services.check_in, _("Check in")),
        _life_cycle_action(services.complete, _("Mark completed")),
        _life_cycle_action(services.mark_no_show, _("Mark as no-show")),
        _life_cycle_action(services.cancel_appointment, _("Cancel")),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class WithActor(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, actor=request.user, **inner)

        return WithActor

    def get_fields(self, request, obj=None):
        fields = ["client", "practitioner", "service", "start", "notes_for_practitioner"]
        return fields if obj is None else [*fields, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_superuser or user.groups.filter(name__in=[roles.MANAGER, roles.RECEPTIONIST]).exists():
            return queryset
        # A practitioner sees their own list only.
        return queryset.filter(practitioner__user=user)

    def save_model(self, request, obj, form, change):
        # The booking service has written the appointment; only notes remain.
        obj.save(update_fields=["notes_for_practitioner", "updated_at"])

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("when (local time)"), ordering="start")
    def when(self, appointment: Appointment) -> str:
        return local_time(appointment)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "location", "weekday", "starts_at", "ends_at"]
    list_filter = ["practitioner", "location", "weekday"]
    search_fields = ["practitioner__display_name"]
    list_select_related = ["practitioner", "location"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "start", "end", "reason"]
    list_filter = ["practitioner"]
    search_fields = ["practitioner__display_name", "reason"]
    date_hierarchy = "start"
    list_select_related = ["practitioner"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["location", "first_day", "last_day", "reason"]
    list_filter = ["location"]
    search_fields = ["reason"]
    list_select_related = ["location"]


@admin.register(AppointmentEvent)
class AppointmentEventAdmin(admin.ModelAdmin):
    list_display = ["at", "appointment", "action", "from_status", "to_status", "actor"]
    list_filter = ["action"]
    search_fields = ["appointment__client__full_name"]
    list_select_related = ["appointment__client", "appointment__practitioner", "appointment__service", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
