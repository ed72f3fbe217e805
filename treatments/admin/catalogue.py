from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Q
from django.utils.formats import number_format

from bookings import policies
from clinic.admin import HistoryAdmin
from clinic.models import Room

from treatments.models import AcupressurePoint, HomeCareAssignment, HomeCareRoutine, HomeCareStep, Service, Technique


@admin.register(Service)
class ServiceAdmin(HistoryAdmin):
    list_display = ["name", "category", "duration_minutes", "buffer_minutes", "price_in_rupees", "active", "position"]
    list_editable = ["active", "position"]
    list_filter = ["category", "active"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["rooms"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        """Rooms to pick from: those in use (an active room of an active
        location), and any the service lists already, so that saving the
        page never drops a room closed for a while."""
        form = super().get_form(request, obj, change=change, **kwargs)
        if "rooms" in form.base_fields:
            in_use = Q(active=True, location__active=True)
            if obj is not None:
                in_use |= Q(pk__in=obj.rooms.values("pk"))
            form.base_fields["rooms"].queryset = Room.objects.filter(in_use).select_related("location")
        return form

    @admin.display(description="price", ordering="price")
    def price_in_rupees(self, service: Service) -> str:
        return f"₹{number_format(service.price, decimal_pos=2, force_grouping=True)}"


@admin.register(Technique)
class TechniqueAdmin(admin.ModelAdmin):
    list_display = ["name", "applied_with", "typical_minutes_min", "typical_minutes_max"]
    search_fields = ["name", "description", "applied_with"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(AcupressurePoint)
class AcupressurePointAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "meridian", "body_region"]
    list_filter = ["meridian", "body_region"]
    search_fields = ["code", "name", "used_for", "location_description"]


class HomeCareStepInline(admin.TabularInline):
    model = HomeCareStep
    extra = 0
    ordering = ["position"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 70})}}


@admin.register(HomeCareRoutine)
class HomeCareRoutineAdmin(admin.ModelAdmin):
    list_display = ["name", "equipment", "best_for", "times_per_day", "active"]
    list_filter = ["equipment", "active"]
    search_fields = ["name", "best_for"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [HomeCareStepInline]


@admin.register(HomeCareStep)
class HomeCareStepAdmin(admin.ModelAdmin):
    list_display = ["routine", "position", "instruction", "hold_seconds", "repetitions"]
    list_filter = ["routine"]
    search_fields = ["instruction", "routine__name"]
    list_select_related = ["routine"]


@admin.register(HomeCareAssignment)
class HomeCareAssignmentAdmin(admin.ModelAdmin):
    """A practitioner gives routines to the clients booked with them, signed
    with their own name; who may see and change what is ``bookings.policies``."""

    list_display = ["client", "routine", "assigned_by", "assigned_on", "active"]
    list_filter = ["active", "routine", "assigned_by"]
    search_fields = ["client__full_name", "client__phone", "routine__name", "note"]
    autocomplete_fields = ["client"]
    date_hierarchy = "assigned_on"
    list_select_related = ["client", "routine", "assigned_by"]
    fields = ["client", "routine", "assigned_on", "note", "active", "assigned_by"]

    def get_queryset(self, request):
        return policies.visible_home_care(request.user, super().get_queryset(request))

    def has_add_permission(self, request):
        return super().has_add_permission(request) and policies.home_care_signer(request.user) is not None

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or bool(policies.home_care_editable(request.user, obj)))

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["assigned_by"]
        editable = policies.home_care_editable(request.user, obj)
        return [name for name in self.fields if name not in editable]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "client":
            kwargs["queryset"] = policies.visible_clients(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.assigned_by = policies.home_care_signer(request.user)
        super().save_model(request, obj, form, change)
