"""Accounts, clients and home care in the staff panel, tried by each role
as an attacker would: every escalation a form or a crafted POST could make."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from clinic import roles
from clinic.models import Client, User
from tests.bookings.test_policies import staff  # noqa: F401  (fixture)
from tests.clinic.factories import ClientFactory, UserFactory
from treatments.models import HomeCareAssignment, HomeCareRoutine

pytestmark = pytest.mark.django_db


def user_change(account) -> str:
    return reverse("admin:clinic_user_change", args=[account.pk])


def posted_account(account, **changes) -> dict:
    data = {
        "email": account.email, "first_name": account.first_name, "last_name": account.last_name,
        "is_active": "on", "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(email="owner@studio.test", password="long-enough-pass-1")


def group(name: str) -> Group:
    return Group.objects.get(name=name)


class TestNoRoleGrantsItselfMore:
    def test_a_manager_cannot_make_themselves_superuser(self, client, staff):
        manager = staff["manager"]
        client.force_login(manager)
        response = client.post(user_change(manager), posted_account(
            manager, is_superuser="on", is_staff="on", groups=[group(roles.MANAGER).pk]))
        assert response.status_code == 302  # their own account is not theirs to open
        manager.refresh_from_db()
        assert not manager.is_superuser

    def test_a_manager_cannot_make_another_account_superuser_or_give_it_permissions(self, client, staff):
        target = staff["receptionist"]
        client.force_login(staff["manager"])
        every = Permission.objects.values_list("pk", flat=True)[:50]
        client.post(user_change(target), posted_account(
            target, is_superuser="on", user_permissions=list(every), groups=[group(roles.MANAGER).pk],
            roles=[group(roles.RECEPTIONIST).pk]))
        target.refresh_from_db()
        assert not target.is_superuser
        assert not target.user_permissions.exists()
        assert set(target.groups.values_list("name", flat=True)) == {roles.RECEPTIONIST}

    def test_a_manager_cannot_give_the_manager_role(self, client, staff):
        target = staff["receptionist"]
        client.force_login(staff["manager"])
        response = client.post(user_change(target), posted_account(target, roles=[group(roles.MANAGER).pk]))
        assert response.status_code == 200 and "roles" in response.context["adminform"].form.errors
        assert not target.groups.filter(name=roles.MANAGER).exists()

    def test_the_manager_s_form_offers_only_the_clinic_s_roles(self, client, staff):
        client.force_login(staff["manager"])
        form = client.get(user_change(staff["receptionist"])).context["adminform"].form
        assert set(form.fields) == {"email", "password", "first_name", "last_name", "is_active", "roles"}
        assert {g.name for g in form.fields["roles"].queryset} == {roles.RECEPTIONIST, roles.PRACTITIONER}

    def test_a_manager_gives_a_new_colleague_a_role_and_with_it_the_panel(self, client, staff):
        newcomer = UserFactory(email="newcomer@studio.test")
        client.force_login(staff["manager"])
        response = client.post(user_change(newcomer), posted_account(newcomer, roles=[group(roles.PRACTITIONER).pk]))
        assert response.status_code == 302, response.context["adminform"].form.errors
        newcomer.refresh_from_db()
        assert newcomer.is_staff and list(newcomer.groups.values_list("name", flat=True)) == [roles.PRACTITIONER]
        client.post(user_change(newcomer), posted_account(newcomer, roles=[]))
        newcomer.refresh_from_db()
        assert not newcomer.is_staff and not newcomer.groups.exists()

    def test_a_manager_cannot_open_a_superuser_nor_set_their_password(self, client, staff, superuser):
        client.force_login(staff["manager"])
        assert client.get(user_change(superuser)).status_code == 302
        password_page = reverse("admin:auth_user_password_change", args=[superuser.pk])
        response = client.post(password_page, {"password1": "Taken-over-9876", "password2": "Taken-over-9876",
                                               "usable_password": "true"})
        assert response.status_code in (302, 403, 404)
        superuser.refresh_from_db()
        assert superuser.check_password("long-enough-pass-1")
        assert superuser not in client.get(reverse("admin:clinic_user_changelist")).context["cl"].queryset

    def test_a_manager_cannot_open_another_manager(self, client, staff):
        other = UserFactory(is_staff=True)
        other.groups.add(group(roles.MANAGER))
        client.force_login(staff["manager"])
        assert client.get(user_change(other)).status_code == 302

    def test_a_manager_sets_a_receptionist_s_password(self, client, staff):
        target = staff["receptionist"]
        client.force_login(staff["manager"])
        response = client.post(reverse("admin:auth_user_password_change", args=[target.pk]), {
            "password1": "Front-desk-2026!", "password2": "Front-desk-2026!", "usable_password": "true"})
        assert response.status_code == 302
        target.refresh_from_db()
        assert target.check_password("Front-desk-2026!")

    def test_groups_themselves_are_not_a_manager_s(self, client, staff):
        client.force_login(staff["manager"])
        assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
        assert client.get(reverse("admin:auth_group_change", args=[group(roles.RECEPTIONIST).pk])).status_code == 403

    @pytest.mark.parametrize("role", ["receptionist", "assigned_practitioner"])
    def test_other_staff_cannot_reach_accounts(self, client, staff, role):
        client.force_login(staff[role])
        assert client.get(reverse("admin:clinic_user_changelist")).status_code == 403
        assert client.get(user_change(staff["manager"])).status_code in (302, 403)
        response = client.post(user_change(staff[role]), posted_account(staff[role], is_superuser="on"))
        assert response.status_code in (302, 403)
        staff[role].refresh_from_db()
        assert not staff[role].is_superuser

    def test_a_superuser_still_grants_everything(self, client, staff, superuser):
        target = staff["receptionist"]
        client.force_login(superuser)
        form = client.get(user_change(target)).context["adminform"].form
        assert {"is_superuser", "is_staff", "groups", "user_permissions"} <= set(form.fields)
        response = client.post(user_change(target), posted_account(
            target, is_staff="on", groups=[group(roles.MANAGER).pk]))
        assert response.status_code == 302
        assert target.groups.filter(name=roles.MANAGER).exists()


class TestBindingALogin:
    def test_a_receptionist_cannot_bind_a_login_by_crafted_post(self, client, studio, staff):
        walk_in = ClientFactory(full_name="Walk In", phone="+919840011111")
        client.force_login(staff["receptionist"])
        client.post(reverse("admin:clinic_client_change", args=[walk_in.pk]), {
            "full_name": "Walk In", "phone": "+919840011111", "preferred_language": "en",
            "user": staff["manager"].pk,
        })
        walk_in.refresh_from_db()
        assert walk_in.full_name == "Walk In" and walk_in.user is None

    def test_binding_any_login_is_not_a_receptionist_s(self, client, staff):
        walk_in = ClientFactory(full_name="Walk In", phone="+919840011111")
        client.force_login(staff["receptionist"])
        response = client.post(reverse("admin:clinic_client_change", args=[walk_in.pk]), {
            "full_name": "Walk In Renamed", "phone": "+919840011111", "preferred_language": "en",
            "user": UserFactory().pk})
        assert response.status_code == 302
        walk_in.refresh_from_db()
        assert walk_in.full_name == "Walk In Renamed" and walk_in.user is None

    def test_no_one_binds_a_staff_login_to_a_client(self, client, studio, staff, superuser):
        walk_in = ClientFactory(full_name="Walk In", phone="+919840011111")
        for actor, login in ((staff["manager"], staff["receptionist"]), (superuser, staff["manager"])):
            client.force_login(actor)
            response = client.post(reverse("admin:clinic_client_change", args=[walk_in.pk]), {
                "full_name": "Walk In", "phone": "+919840011111", "preferred_language": "en", "user": login.pk})
            assert response.status_code == 200 and "user" in response.context["adminform"].form.errors
        walk_in.refresh_from_db()
        assert walk_in.user is None

    def test_a_manager_binds_a_client_s_own_login(self, client, staff):
        walk_in = ClientFactory(full_name="Walk In", phone="+919840011111")
        app_login = UserFactory(email="walkin@mail.test")
        client.force_login(staff["manager"])
        response = client.post(reverse("admin:clinic_client_change", args=[walk_in.pk]), {
            "full_name": "Walk In", "phone": "+919840011111", "preferred_language": "en", "user": app_login.pk})
        assert response.status_code == 302
        walk_in.refresh_from_db()
        assert walk_in.user == app_login

    def test_the_login_search_offers_client_logins_only(self, client, staff):
        client.force_login(staff["manager"])
        response = client.get(reverse("admin:autocomplete"), {
            "app_label": "clinic", "model_name": "client", "field_name": "user", "term": ""})
        offered = {row["text"] for row in response.json()["results"]}
        assert staff["receptionist"].email not in offered and staff["manager"].email not in offered
        assert staff["client_a"].email in offered


class TestAPractitionerSeesTheirOwnClients:
    def test_the_client_list_holds_only_those_booked_with_them(self, client, studio, staff, booked):
        client.force_login(staff["assigned_practitioner"])
        listed = client.get(reverse("admin:clinic_client_changelist")).context["cl"].queryset
        assert list(listed) == [studio.client]
        client.force_login(staff["other_practitioner"])
        assert not client.get(reverse("admin:clinic_client_changelist")).context["cl"].queryset.exists()

    def test_another_practitioner_s_client_is_not_there_history_included(self, client, studio, staff, booked):
        client.force_login(staff["other_practitioner"])
        for page in ("change", "history"):
            response = client.get(reverse(f"admin:clinic_client_{page}", args=[studio.client.pk]))
            assert response.status_code in (302, 403, 404), page
            assert studio.client.full_name not in response.content.decode()

    def test_their_own_client_reads_but_does_not_change(self, client, studio, staff, booked):
        client.force_login(staff["assigned_practitioner"])
        page = reverse("admin:clinic_client_change", args=[studio.client.pk])
        assert client.get(page).status_code == 200
        response = client.post(page, {"full_name": "Changed", "phone": "+919840012345", "preferred_language": "en"})
        assert response.status_code == 403
        assert Client.objects.get(pk=studio.client.pk).full_name != "Changed"
        assert client.get(reverse("admin:clinic_client_add")).status_code == 403

    def test_the_client_search_offers_only_their_own(self, client, studio, staff, booked):
        client.force_login(staff["assigned_practitioner"])
        response = client.get(reverse("admin:autocomplete"), {
            "app_label": "treatments", "model_name": "homecareassignment", "field_name": "client", "term": ""})
        assert [row["id"] for row in response.json()["results"]] == [str(studio.client.pk)]


class TestHomeCareIsSignedByItsMaker:
    @pytest.fixture
    def routine(self):
        return HomeCareRoutine.objects.first()

    def add(self, client, studio, routine, **extra):
        data = {"client": studio.client.pk, "routine": routine.pk, "assigned_on": "2026-12-01",
                "note": "Twice a day", "active": "on"}
        data.update(extra)
        return client.post(reverse("admin:treatments_homecareassignment_add"), data)

    def test_a_practitioner_signs_with_their_own_name_whatever_they_post(self, client, studio, staff, booked,
                                                                          routine):
        client.force_login(staff["assigned_practitioner"])
        response = self.add(client, studio, routine, assigned_by=studio.other_practitioner.pk)
        assert response.status_code == 302
        assert HomeCareAssignment.objects.get().assigned_by == studio.practitioner

    def test_not_for_a_client_who_is_not_theirs(self, client, studio, staff, booked, routine):
        client.force_login(staff["other_practitioner"])
        response = self.add(client, studio, routine)
        assert response.status_code == 200 and "client" in response.context["adminform"].form.errors
        assert not HomeCareAssignment.objects.exists()

    def test_only_the_signer_changes_what_it_says_a_manager_only_ends_it(self, client, studio, staff, booked,
                                                                              routine):
        assignment = HomeCareAssignment.objects.create(
            client=studio.client, routine=routine, assigned_by=studio.practitioner,
            assigned_on=datetime.date(2026, 12, 1), note="Twice a day")
        page = reverse("admin:treatments_homecareassignment_change", args=[assignment.pk])
        client.force_login(staff["receptionist"])  # reads only, by role
        assert set(client.get(page).context["adminform"].form.fields) == set()
        client.force_login(staff["manager"])
        assert set(client.get(page).context["adminform"].form.fields) == {"active"}
        client.force_login(staff["assigned_practitioner"])
        assert set(client.get(page).context["adminform"].form.fields) == {"routine", "assigned_on", "note", "active"}
        colleague = studio.add_practitioner()
        colleague.user.is_staff = True
        colleague.user.save()
        colleague.user.groups.add(group(roles.PRACTITIONER))
        client.force_login(colleague.user)
        assert client.get(page).status_code in (302, 403)

    def test_the_front_desk_makes_none(self, client, studio, staff, routine):
        client.force_login(staff["manager"])
        assert client.get(reverse("admin:treatments_homecareassignment_add")).status_code == 403


class TestWhatThePagesShow:
    def test_a_receptionist_sees_the_login_as_text_not_a_link_to_a_refused_page(self, client, studio, staff):
        client.force_login(staff["receptionist"])
        page = client.get(reverse("admin:clinic_client_change", args=[studio.client.pk])).content.decode()
        assert staff["client_a"].email in page
        assert reverse("admin:clinic_user_change", args=[staff["client_a"].pk]) not in page

    def test_a_refused_page_is_drawn_in_the_panel_with_a_way_back(self, client, staff):
        client.force_login(staff["manager"])
        response = client.get(reverse("admin:treatments_homecareassignment_add"))
        assert response.status_code == 403
        assert reverse("admin:index") in response.content.decode()

    def test_a_filter_that_could_not_be_applied_says_so(self, client, staff):
        client.force_login(staff["manager"])
        response = client.get(reverse("admin:bookings_appointment_changelist"), {"start__year": "9999"}, follow=True)
        assert "could not be applied" in response.content.decode()

    def test_there_is_no_dead_view_site_link(self, client, staff):
        client.force_login(staff["manager"])
        assert 'href="/"' not in client.get(reverse("admin:index")).content.decode()
