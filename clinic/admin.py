import phonenumbers
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Client, Location, Practitioner, Room, User


def typed_phone(text: str) -> str | None:
    """The number (E.164) a receptionist means by ``text``, typed any of the
    ways people in India write one: with a leading 0 or 0091, with +91 or
    91, with spaces, dashes or brackets. ``None`` when it is no valid number,
    so a search for part of one falls back to matching the digits."""
    text = (text or "").strip()
    if not text or len(text) > 40 or not any(ch.isdigit() for ch in text):
        return None
    try:
        number = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class HistoryAdmin(SimpleHistoryAdmin):
    """``SimpleHistoryAdmin`` whose history page answers 404, not 500, for
    an address whose id is not an id at all."""

    def history_view(self, request, object_id, extra_context=None):
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError as error:
            raise Http404 from error
        return super().history_view(request, object_id, extra_context)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "role_names", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Name"), {"fields": ["first_name", "last_name"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def role_names(self, user: User) -> str:
        return ", ".join(group.name for group in user.groups.all())


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "phone", "room_count", "active"]
    list_filter = ["active"]
    search_fields = ["name", "address"]
    inlines = [RoomInline]  # bookings.admin adds the closures

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(room_total=Count("rooms"))

    @admin.display(description=_("rooms"), ordering="room_total")
    def room_count(self, location: Location) -> int:
        return location.room_total


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "active", "service_list"]
    list_filter = ["location", "active"]
    search_fields = ["name", "location__name"]
    list_select_related = ["location"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("services")

    @admin.display(description=_("listed by"))
    def service_list(self, room: Room) -> str:
        """The services that list this room (a service that lists none of
        the location's rooms may use any of them)."""
        return ", ".join(str(service) for service in room.services.all())


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "service_list", "active"]
    list_filter = ["active", "services__category"]
    search_fields = ["display_name", "user__email", "bio"]
    filter_horizontal = ["services"]
    inlines: list = []  # bookings.admin adds working hours and time off
    autocomplete_fields = ["user"]
    list_select_related = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("services")

    @admin.display(description=_("services"))
    def service_list(self, practitioner: Practitioner) -> str:
        return ", ".join(service.name for service in practitioner.services.all())


@admin.register(Client)
class ClientAdmin(HistoryAdmin):
    list_display = ["full_name", "phone", "email", "preferred_language", "email_reminders", "sms_reminders", "created_at"]
    list_filter = ["preferred_language", "email_reminders", "sms_reminders", "whatsapp_reminders", "created_at"]
    search_fields = ["full_name", "phone", "email", "user__email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]
    list_select_related = ["user"]
    fieldsets = [
        (None, {"fields": ["full_name", "phone", "email", "date_of_birth", "preferred_language", "user"]}),
        (_("Reminders"), {"fields": ["email_reminders", "sms_reminders", "whatsapp_reminders"]}),
        (_("Emergency contact"), {"fields": ["emergency_contact_name", "emergency_contact_phone"]}),
        (_("For staff only"), {"fields": ["staff_remarks", "created_at", "updated_at"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        """A number typed the way the caller says it (``09840012345``,
        ``+91 98400 12345``) finds the client stored as ``+919840012345``;
        the usual search by name, email or part of the number still runs."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        phone = typed_phone(search_term)
        if phone is not None:
            found = found | queryset.filter(phone=phone)
        return found, may_have_duplicates
