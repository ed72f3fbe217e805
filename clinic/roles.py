"""The staff roles and what each may do in the staff panel.

Roles are Django groups. ``sync_roles`` makes each group hold exactly the
permissions listed here; a migration calls it whenever the list changes, so
a database always matches this file.
"""

from __future__ import annotations

RECEPTIONIST = "receptionist"
PRACTITIONER = "practitioner"
MANAGER = "manager"

VIEW = ("view",)
EDIT = ("view", "add", "change")
FULL = ("view", "add", "change", "delete")

CATALOGUE = ("service", "technique", "acupressurepoint", "homecareroutine", "homecarestep")
SCHEDULE = ("workinghours", "datedhours", "timeoff", "closure")
# The clinical records. Which rows and fields a role reaches is
# ``treatments.policies``: a practitioner writes only their own notes and
# reads only the records of clients booked with them; a receptionist sees
# that a note exists, never what it says.
RECORDS_PRACTITIONER = {
    "treatments.intake": ("view", "add"),
    "treatments.contraindicationrule": VIEW,
    "treatments.clearance": ("view", "add"),
    "treatments.sessionnote": EDIT,
    "treatments.notetechnique": FULL,
    "treatments.notepoint": FULL,
    "treatments.amendment": ("view", "add"),
}
RECORDS_MANAGER = {
    **RECORDS_PRACTITIONER,
    "treatments.contraindicationrule": FULL,
    "treatments.clearance": EDIT,
    "treatments.recordaccess": VIEW,
    "treatments.recordsignature": VIEW,
    "treatments.correctionrequest": EDIT,
}

ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    RECEPTIONIST: {
        "clinic.client": EDIT,
        "clinic.practitioner": VIEW,
        "clinic.location": VIEW,
        "clinic.room": VIEW,
        **{f"treatments.{model}": VIEW for model in CATALOGUE},
        "treatments.homecareassignment": VIEW,
        "bookings.appointment": EDIT,
        "bookings.appointmentevent": VIEW,
        # Rows are written by the services only; sending a failed one again
        # is ``bookings.policies.may_retry_messages``.
        "bookings.notification": VIEW,
        "bookings.timeoff": EDIT,
        "bookings.workinghours": VIEW,
        "bookings.datedhours": VIEW,
        "bookings.closure": VIEW,
    },
    PRACTITIONER: {
        "clinic.client": VIEW,
        "clinic.practitioner": VIEW,
        "clinic.location": VIEW,
        "clinic.room": VIEW,
        **{f"treatments.{model}": VIEW for model in CATALOGUE},
        "treatments.homecareassignment": EDIT,
        # Their own appointments and time off only (bookings.policies).
        "bookings.appointment": ("view", "change"),
        "bookings.appointmentevent": VIEW,
        "bookings.notification": VIEW,  # of their own appointments (bookings.policies)
        "bookings.workinghours": VIEW,
        "bookings.datedhours": VIEW,
        "bookings.timeoff": FULL,
        "bookings.closure": VIEW,
        **RECORDS_PRACTITIONER,
    },
    MANAGER: {
        "clinic.user": EDIT,
        "clinic.client": FULL,
        "clinic.practitioner": FULL,
        "clinic.location": FULL,
        "clinic.room": FULL,
        **{f"treatments.{model}": FULL for model in CATALOGUE},
        "treatments.homecareassignment": FULL,
        "bookings.appointment": EDIT,
        "bookings.appointmentevent": VIEW,
        "bookings.notification": VIEW,
        **{f"bookings.{model}": FULL for model in SCHEDULE},
        **RECORDS_MANAGER,
        # The periodic jobs (the notification dispatcher) are defined in
        # code, and beat writes their schedule back at each start; a manager
        # may pause or resume one, never add a job of their own.
        "django_celery_beat.periodictask": ("view", "change"),
        "django_celery_beat.intervalschedule": VIEW,
    },
}


def sync_roles(apps) -> None:
    """Create the role groups and give each exactly its listed permissions.

    ``apps`` is a migration's app registry (or ``django.apps.apps``). Models
    the registry does not hold yet are passed over: the migration that adds
    them syncs again. A permission missing from a model that exists is an
    error, not a silent gap.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        wanted = []
        for label, actions in grants.items():
            app_label, model = label.split(".")
            try:
                apps.get_model(app_label, model)
            except LookupError:
                continue
            for action in actions:
                codename = f"{action}_{model}"
                try:
                    wanted.append(
                        Permission.objects.get(content_type__app_label=app_label, codename=codename)
                    )
                except Permission.DoesNotExist as exc:
                    raise LookupError(f"Role {role!r} names a missing permission {app_label}.{codename}") from exc
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(wanted)


def role_names(user) -> frozenset[str]:
    """The staff roles a user holds, looked up once per user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_clinic_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._clinic_roles = cached
    return cached


def is_front_desk(user) -> bool:
    """Receptionists and managers see and handle every client's bookings."""
    return bool(getattr(user, "is_superuser", False)) or bool(role_names(user) & {RECEPTIONIST, MANAGER})
