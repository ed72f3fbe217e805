import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission

from clinic import roles
from clinic.roles import ROLE_PERMISSIONS, sync_roles

pytestmark = pytest.mark.django_db


def granted(role: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_the_migration_created_the_three_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {"receptionist", "practitioner", "manager"}


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (roles.RECEPTIONIST, {"clinic.add_client", "clinic.change_client", "treatments.view_service",
                              "bookings.add_appointment", "bookings.change_appointment", "bookings.add_timeoff"},
         {"clinic.delete_client", "treatments.change_service", "clinic.change_practitioner", "clinic.view_user",
          "bookings.delete_appointment", "bookings.change_workinghours"}),
        (roles.PRACTITIONER, {"clinic.view_client", "treatments.view_acupressurepoint", "bookings.view_appointment",
                              "bookings.view_workinghours", "bookings.change_appointment", "bookings.add_timeoff"},
         {"clinic.add_client", "clinic.change_client", "treatments.change_service", "bookings.add_appointment",
          "bookings.change_workinghours"}),
        (roles.MANAGER, {"clinic.delete_client", "treatments.change_service", "clinic.add_practitioner",
                         "treatments.add_homecarestep", "clinic.change_user"},
         {"clinic.delete_user", "auth.change_group"}),
    ],
)
def test_each_role_holds_exactly_what_it_needs(role, allowed, denied):
    held = granted(role)
    assert allowed <= held
    assert not (denied & held)


def test_staff_user_permissions_follow_their_group(receptionist):
    assert receptionist.has_perm("clinic.add_client")
    assert not receptionist.has_perm("clinic.delete_client")


def test_sync_is_idempotent_and_restores_drift():
    manager = Group.objects.get(name=roles.MANAGER)
    manager.permissions.add(Permission.objects.get(codename="delete_user"))
    sync_roles(apps)
    sync_roles(apps)
    assert "clinic.delete_user" not in granted(roles.MANAGER)
    assert Group.objects.filter(name__in=ROLE_PERMISSIONS).count() == 3


def test_a_misspelt_permission_is_an_error(monkeypatch):
    monkeypatch.setitem(ROLE_PERMISSIONS, "ghost", {"clinic.client": ("veiw",)})
    with pytest.raises(LookupError, match="clinic.veiw_client"):
        sync_roles(apps)


def test_every_model_the_roles_name_exists():
    for grants in ROLE_PERMISSIONS.values():
        for label in grants:
            assert apps.get_model(label), label


def test_a_manager_pauses_the_dispatcher_in_the_panel_and_no_one_else_reaches_it(manager, receptionist, practitioner):
    from django.test import Client as Browser
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_minute = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)
    job = PeriodicTask.objects.create(name="dispatch-notifications", task="bookings.dispatch", interval=every_minute)
    page = f"/admin/django_celery_beat/periodictask/{job.pk}/change/"
    for user in (receptionist, practitioner.user):
        browser = Browser()
        browser.force_login(user)
        assert browser.get(page).status_code == 403
    browser = Browser()
    browser.force_login(manager)
    assert browser.get(page).status_code == 200
    assert browser.get("/admin/django_celery_beat/periodictask/add/").status_code == 403
    assert not manager.has_perm("django_celery_beat.delete_periodictask")
    held = granted(roles.MANAGER)
    assert "django_celery_beat.change_periodictask" in held
    assert "django_celery_beat.add_periodictask" not in held
