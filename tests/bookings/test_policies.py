"""``bookings.policies`` for every role, and the API and the staff panel
agreeing with it: what a role may do from the phone it may do from the
panel, and nothing more."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import policies
from bookings.models import Appointment, AppointmentStatus, TimeOff
from bookings.policies import Act
from tests.api.conftest import ROLES, api_as
from tests.api.test_permissions import at_state
from tests.clinic.factories import UserFactory

pytestmark = pytest.mark.django_db

STAFF_ROLES = ["assigned_practitioner", "other_practitioner", "receptionist", "manager"]
EVERYTHING = set(Act)
EXPECTED_ACTS = {
    "anonymous": set(),
    "client_a": {Act.VIEW, Act.CANCEL, Act.RESCHEDULE},
    "client_b": set(),
    "assigned_practitioner": EVERYTHING - {Act.REASSIGN},  # handing a client over is the front desk's
    "other_practitioner": set(),
    "receptionist": EVERYTHING,
    "manager": EVERYTHING,
}


@pytest.fixture
def staff(people):
    """The people of the permission tests, the practitioners with panel access."""
    for role in ("assigned_practitioner", "other_practitioner"):
        people[role].is_staff = True
        people[role].save(update_fields=["is_staff"])
    return people


def user_of(people, role):
    from django.contrib.auth.models import AnonymousUser

    return people[role] or AnonymousUser()


@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_may_do_to_client_a_s_appointment(role, people, booked):
    assert set(policies.acts_on(user_of(people, role), booked)) == EXPECTED_ACTS[role]
    for act in Act:
        assert policies.may(user_of(people, role), act, booked) is (act in EXPECTED_ACTS[role])


@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_may_see(role, people, booked):
    visible = list(policies.visible_appointments(user_of(people, role)))
    assert visible == ([booked] if EXPECTED_ACTS[role] else [])


def test_a_login_that_is_both_client_and_practitioner_gets_both(studio, people, booked):
    """A therapist booked as a client elsewhere keeps a client's rights on
    their own booking and a practitioner's on those they treat."""
    therapist = people["other_practitioner"]
    studio.other_client.user = therapist
    studio.other_client.save(update_fields=["user"])
    own = Appointment.objects.create(
        client=studio.other_client, practitioner=studio.practitioner, service=studio.service,
        location=studio.location, start=booked.start + timedelta(hours=5), end=booked.end + timedelta(hours=5),
        buffer_end=booked.buffer_end + timedelta(hours=5), price=1, source="app",
    )
    fresh = type(therapist).objects.get(pk=therapist.pk)
    assert set(policies.acts_on(fresh, own)) == {Act.VIEW, Act.CANCEL, Act.RESCHEDULE}
    assert set(policies.acts_on(fresh, booked)) == set()


@pytest.mark.parametrize("role", ROLES)
def test_who_may_book(role, people):
    assert policies.may_book(user_of(people, role)) is (role in {"client_a", "client_b", "receptionist", "manager"})


# -- the API and the panel agree -------------------------------------------------

ACT_CASES = [
    # act, state the appointment must be in, API path tail, body, panel action
    (Act.CHECK_IN, "soon", "check-in/", None, "check_in"),
    (Act.COMPLETE, "checked_in", "complete/", None, "complete"),
    (Act.NO_SHOW, "started", "no-show/", None, "no_show"),
    (Act.CANCEL, "booked", "cancel/", {"reason": "Fever"}, "cancel"),
]
TWIN_SHIFT = {"booked": timedelta(hours=3), "soon": timedelta(minutes=80), "checked_in": timedelta(hours=-2),
              "started": timedelta(minutes=-90)}
CHANGED_TO = {Act.CHECK_IN: "checked_in", Act.COMPLETE: "completed", Act.NO_SHOW: "no_show", Act.CANCEL: "cancelled"}


def api_did(people, role, appointment, tail, body) -> bool:
    response = api_as(people[role]).post(f"/api/v1/appointments/{appointment.pk}/{tail}", body, format="json")
    assert response.status_code in {200, 403, 404}, response.content
    return response.status_code == 200


def panel_did(client, people, role, appointment, action) -> bool:
    client.force_login(people[role])
    client.post(reverse("admin:bookings_appointment_changelist"),
                {"action": action, "_selected_action": [appointment.pk]})
    client.logout()
    before = appointment.status
    appointment.refresh_from_db()
    return appointment.status != before


@pytest.mark.parametrize("role", STAFF_ROLES)
@pytest.mark.parametrize(("act", "state", "tail", "body", "action"), ACT_CASES, ids=[c[0].value for c in ACT_CASES])
def test_an_action_allowed_by_the_api_is_allowed_by_the_panel(client, studio, staff, booked, role, act, state, tail,
                                                              body, action):
    expected = act in EXPECTED_ACTS[role]
    by_api = at_state(studio, booked, state)
    # A twin in the same state, far enough from the first not to overlap it.
    shift = TWIN_SHIFT[state]
    by_panel = Appointment.objects.create(
        client=by_api.client, practitioner=by_api.practitioner, service=by_api.service, location=by_api.location,
        start=by_api.start + shift, end=by_api.end + shift, buffer_end=by_api.buffer_end + shift,
        price=by_api.price, source=by_api.source, status=by_api.status, checked_in_at=by_api.checked_in_at,
    )
    assert api_did(staff, role, by_api, tail, body) is expected
    assert panel_did(client, staff, role, by_panel, action) is expected
    if expected:
        assert by_panel.status == CHANGED_TO[act]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_moving_from_the_api_and_from_the_panel_agree(client, studio, staff, booked, role):
    expected = Act.RESCHEDULE in EXPECTED_ACTS[role]
    target = timezone.localtime(booked.start, studio.location.time_zone) + timedelta(hours=5)
    response = api_as(staff[role]).post(f"/api/v1/appointments/{booked.pk}/reschedule/",
                                        {"start": target.isoformat()}, format="json")
    assert (response.status_code == 200) is expected
    booked.refresh_from_db()
    assert (booked.start == target) is expected

    again = target - timedelta(hours=1)
    client.force_login(staff[role])
    client.post(reverse("admin:bookings_appointment_change", args=[booked.pk]), {
        "start_0": again.strftime("%Y-%m-%d"), "start_1": again.strftime("%H:%M:%S"),
        "notes_for_practitioner": "Moved from the panel",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
    })
    booked.refresh_from_db()
    assert (booked.start == again) is expected
    assert (booked.notes_for_practitioner == "Moved from the panel") is expected


# -- the panel, page by page --------------------------------------------------------

PANEL_PAGES = {
    # page: role -> status
    "changelist": {"anonymous": 302, "client_a": 302, "client_b": 302, "assigned_practitioner": 200,
                   "other_practitioner": 200, "receptionist": 200, "manager": 200},
    "change": {"anonymous": 302, "client_a": 302, "client_b": 302, "assigned_practitioner": 200,
               "other_practitioner": 302, "receptionist": 200, "manager": 200},
    "add": {"anonymous": 302, "client_a": 302, "client_b": 302, "assigned_practitioner": 403,
            "other_practitioner": 403, "receptionist": 200, "manager": 200},
    "history": {"anonymous": 302, "client_a": 302, "client_b": 302, "assigned_practitioner": 200,
                "other_practitioner": 302, "receptionist": 200, "manager": 200},
    "events": {"anonymous": 302, "client_a": 302, "client_b": 302, "assigned_practitioner": 200,
               "other_practitioner": 200, "receptionist": 200, "manager": 200},
    "time-off": {"anonymous": 302, "client_a": 302, "client_b": 302, "assigned_practitioner": 200,
                 "other_practitioner": 200, "receptionist": 200, "manager": 200},
    "time-off-add": {"anonymous": 302, "client_a": 302, "client_b": 302, "assigned_practitioner": 200,
                     "other_practitioner": 200, "receptionist": 200, "manager": 200},
}


def page_url(page, booked):
    return {
        "changelist": reverse("admin:bookings_appointment_changelist"),
        "change": reverse("admin:bookings_appointment_change", args=[booked.pk]),
        "add": reverse("admin:bookings_appointment_add"),
        "history": reverse("admin:bookings_appointment_history", args=[booked.pk]),
        "events": reverse("admin:bookings_appointmentevent_changelist"),
        "time-off": reverse("admin:bookings_timeoff_changelist"),
        "time-off-add": reverse("admin:bookings_timeoff_add"),
    }[page]


PAGE_CASES = [(page, role) for page in PANEL_PAGES for role in ROLES]


@pytest.mark.parametrize(("page", "role"), PAGE_CASES, ids=[f"{p}-{r}" for p, r in PAGE_CASES])
def test_panel_pages_for_every_role(client, staff, booked, page, role):
    if staff[role] is not None:
        client.force_login(staff[role])
    response = client.get(page_url(page, booked))
    assert response.status_code == PANEL_PAGES[page][role]
    if response.status_code == 302 and role in {"anonymous", "client_a", "client_b"}:
        assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("role", ["assigned_practitioner", "other_practitioner"])
def test_a_practitioner_s_lists_hold_only_their_own(client, staff, booked, role):
    client.force_login(staff[role])
    appointments = client.get(reverse("admin:bookings_appointment_changelist"), {"day": "all"}).context["cl"].queryset
    events = client.get(reverse("admin:bookings_appointmentevent_changelist")).context["cl"].queryset
    own = role == "assigned_practitioner"
    assert list(appointments) == ([booked] if own else [])
    assert set(events.values_list("appointment_id", flat=True)) == ({booked.pk} if own else set())


def test_a_practitioner_changes_only_the_start_and_notes_of_their_own(client, staff, booked):
    client.force_login(staff["assigned_practitioner"])
    form = client.get(reverse("admin:bookings_appointment_change", args=[booked.pk])).context["adminform"].form
    assert set(form.fields) == {"start", "notes_for_practitioner"}


def test_a_practitioner_cannot_change_client_or_practitioner_by_crafted_post(client, studio, staff, booked):
    client.force_login(staff["assigned_practitioner"])
    local_start = timezone.localtime(booked.start, studio.location.time_zone)
    client.post(reverse("admin:bookings_appointment_change", args=[booked.pk]), {
        "client": studio.other_client.pk, "practitioner": studio.other_practitioner.pk,
        "start_0": local_start.strftime("%Y-%m-%d"), "start_1": local_start.strftime("%H:%M:%S"),
        "notes_for_practitioner": "", "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
    })
    booked.refresh_from_db()
    assert (booked.client, booked.practitioner) == (studio.client, studio.practitioner)


def test_a_practitioner_keeps_their_own_time_off_only(client, studio, staff):
    therapist = staff["assigned_practitioner"]
    TimeOff.objects.create(practitioner=studio.other_practitioner, start=timezone.now() + timedelta(days=3),
                           end=timezone.now() + timedelta(days=4), reason="Colleague's leave")
    client.force_login(therapist)
    add = reverse("admin:bookings_timeoff_add")
    choices = client.get(add).context["adminform"].form.fields["practitioner"].queryset
    assert list(choices) == [studio.practitioner]
    listed = client.get(reverse("admin:bookings_timeoff_changelist")).context["cl"].queryset
    assert not listed.exists()
    start = timezone.localtime(timezone.now() + timedelta(days=5))
    end = start + timedelta(hours=4)
    for practitioner, saved in ((studio.other_practitioner, False), (studio.practitioner, True)):
        client.post(add, {
            "practitioner": practitioner.pk, "reason": "Training",
            "start_0": start.strftime("%Y-%m-%d"), "start_1": start.strftime("%H:%M:%S"),
            "end_0": end.strftime("%Y-%m-%d"), "end_1": end.strftime("%H:%M:%S"),
        })
        assert TimeOff.objects.filter(practitioner=practitioner, reason="Training").exists() is saved


def test_a_client_login_cannot_reach_the_panel_even_with_staff_rights_on_nothing(client, people):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:bookings_appointment_changelist")).status_code == 403


def test_an_action_on_a_mixed_selection_changes_only_what_the_user_may(client, studio, staff, booked):
    """Another practitioner's appointment smuggled into a selection is left alone."""
    soon = at_state(studio, booked, "soon")
    theirs = Appointment.objects.create(
        client=studio.other_client, practitioner=studio.other_practitioner, service=studio.service,
        location=studio.location, start=soon.start, end=soon.end, buffer_end=soon.buffer_end, price=1,
        source="staff",
    )
    client.force_login(staff["assigned_practitioner"])
    client.post(reverse("admin:bookings_appointment_changelist"),
                {"action": "check_in", "_selected_action": [soon.pk, theirs.pk]})
    soon.refresh_from_db()
    theirs.refresh_from_db()
    assert (soon.status, theirs.status) == (AppointmentStatus.CHECKED_IN, AppointmentStatus.CONFIRMED)
