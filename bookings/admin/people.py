"""Accounts and clients in the staff panel, with their access rules.

``clinic.admin`` lays the pages out; these subclasses add who may see and
change what, from ``bookings.policies``, because which clients a
practitioner sees depends on their bookings.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from bookings import policies, selectors
from bookings.admin.flags import ClientFlags
from bookings.admin.front_desk import shared_phone_warning
from clinic import services
from clinic.admin import ClientAdmin, UserAdmin
from clinic.models import Client, User

MANAGER_FIELDSETS = [
    (None, {"fields": ["email", "password"]}),
    (_("Name"), {"fields": ["first_name", "last_name"]}),
    (_("Access"), {"fields": ["is_active", "roles"]}),
    (_("Dates"), {"fields": ["last_login", "date_joined"]}),
]


class RolesForm(UserChangeForm):
    """An account's roles, chosen from those the signed-in manager may give.
    Staff status follows the roles; nothing else about access is here."""

    roles = forms.ModelMultipleChoiceField(
        queryset=Group.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label=_("Roles"),
        help_text=_("Receptionists run the front desk; practitioners see their own day and clients."),
    )

    def __init__(self, *args, grantable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].queryset = grantable if grantable is not None else Group.objects.none()
        if self.instance.pk:
            self.fields["roles"].initial = list(self.instance.groups.all())


class ClinicUserAdmin(UserAdmin):
    """A superuser sees the whole account page; a manager sees the staff
    they manage with the roles they may give, and nothing that grants more."""

    def get_queryset(self, request):
        return policies.manageable_accounts(request.user, super().get_queryset(request))

    def has_module_permission(self, request):
        return policies.may_manage_accounts(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return policies.may_manage_accounts(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return policies.may_manage_accounts(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return policies.may_manage_accounts(request.user) and super().has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        if obj is None or policies.may_grant_privileges(request.user):
            return super().get_fieldsets(request, obj)
        return MANAGER_FIELDSETS

    def get_readonly_fields(self, request, obj=None):
        return ["last_login", "date_joined"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None or policies.may_grant_privileges(request.user):
            return super().get_form(request, obj, **kwargs)
        kwargs["form"] = RolesForm
        form = super().get_form(request, obj, **kwargs)
        grantable = policies.grantable_roles(request.user)

        class ForThisManager(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, grantable=grantable, **inner)

        return ForThisManager

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "roles" in form.cleaned_data:
            services.set_staff_roles(account=obj, roles=form.cleaned_data["roles"])


class ClinicClientAdmin(ClientFlags, ClientAdmin):
    """The front desk sees every client; a practitioner the clients booked
    with them. Only those who manage accounts bind a login to a record."""

    def get_queryset(self, request):
        return policies.visible_clients(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or policies.may_see_client(request.user, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or policies.may_see_client(request.user, obj))

    def get_fieldsets(self, request, obj=None):
        """Those who may not open accounts see the login as its email, not as
        a link to an account page they would be refused."""
        fieldsets = super().get_fieldsets(request, obj)
        if policies.may_manage_accounts(request.user):
            return fieldsets
        return [(name, {**options, "fields": ["login" if field == "user" else field for field in options["fields"]]})
                for name, options in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not policies.may_manage_accounts(request.user):
            readonly.append("login")
        return readonly

    def save_model(self, request, obj, form, change):
        """Saved even when another client has the same phone (families
        share one), with a warning naming them, so a duplicate is noticed."""
        super().save_model(request, obj, form, change)
        if obj.phone and (not change or "phone" in form.changed_data):
            others = policies.visible_clients(request.user, selectors.clients_with_phone(str(obj.phone)))
            others = list(others.exclude(pk=obj.pk))
            if others:
                messages.warning(request, shared_phone_warning(others))

    @admin.display(description=_("App login"))
    def login(self, client: Client) -> str:
        return client.user.email if client.user_id else "-"


admin.site.unregister(User)
admin.site.register(User, ClinicUserAdmin)
admin.site.unregister(Client)
admin.site.register(Client, ClinicClientAdmin)
