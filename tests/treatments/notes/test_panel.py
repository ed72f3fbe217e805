"""The staff panel's session-note pages for every role: who sees how much,
who edits, signs and amends, that a signed note does not change there,
and the access record each page showing clinical content leaves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.bookings.test_policies import staff  # noqa: F401  (fixture)
from tests.treatments.notes.factories import appointment, full_draft, signed_note
from treatments.models import AccessAction, Amendment, NoteStatus, RecordAccess, RecordSignature, SessionNote, Technique
from treatments.services import notes

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.23"
SECRET = "trapezius"  # in the objective of every note of these tests
PANEL_ROLES = ["anonymous", "client_a", "assigned_practitioner", "other_practitioner", "other_practitioner_booked",
               "receptionist", "manager"]


@pytest.fixture
def login(request, client, staff, studio, booked):  # noqa: F811
    role = request.param
    if role == "other_practitioner_booked":
        appointment(studio, client=studio.client, practitioner=studio.other_practitioner,
                    start=booked.start + timedelta(days=1))
        role = "other_practitioner"
    if staff[role] is not None:
        client.force_login(staff[role])
    return staff[role]


def change_url(note: SessionNote) -> str:
    return reverse("admin:treatments_sessionnote_change", args=[note.pk])


def get(client, url: str):
    return client.get(url, REMOTE_ADDR=ADDRESS)


def page_data(response) -> dict:
    """What the page's form would post back as it stands."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif value is not None and value is not False:
            data[name] = str(value) if value is not True else "on"
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for index, part in enumerate(formset.forms):
            for name in part.fields:
                value = part[name].value()
                if value is not None:
                    data[f"{formset.prefix}-{index}-{name}"] = value.pk if hasattr(value, "pk") else value
    return data


def reads() -> list[RecordAccess]:
    return list(RecordAccess.objects.filter(action=AccessAction.READ))


# -- who sees what ----------------------------------------------------------------------------


SEES = {"anonymous": "login", "client_a": "login", "assigned_practitioner": "edit", "other_practitioner": "nothing",
        "other_practitioner_booked": "read", "receptionist": "existence", "manager": "read"}


@pytest.mark.parametrize("login", PANEL_ROLES, indirect=True)
def test_a_draft_s_page_per_role(request, client, login, booked):
    role = request.node.callspec.params["login"]
    note = full_draft(booked)
    response = get(client, change_url(note))
    expected = SEES[role]
    if expected == "login":
        assert response.status_code == 302 and "/login/" in response["Location"]
    elif expected == "nothing":
        assert response.status_code == 302 and SECRET not in response.content.decode()
    else:
        assert response.status_code == 200
        page = response.content.decode()
        form = response.context["adminform"].form
        assert ("subjective" in form.fields) is (expected == "edit")
        assert (SECRET in page) is (expected in ("edit", "read"))
        # The body chart is drawn back from its data for those who read the note.
        assert ('class="body-chart"' in page and "data-intensity=" in page) is (expected in ("edit", "read"))
        if expected == "existence":
            assert "Stiff neck" not in page and "Two more sessions" not in page and "GB20" not in page
            assert response.context["inline_admin_formsets"] == []
    logged = [(r.actor, r.address) for r in reads()]
    assert logged == ([(login, ADDRESS)] if expected in ("edit", "read") else [])


@pytest.mark.parametrize("login", PANEL_ROLES, indirect=True)
def test_the_list_shows_no_clinical_content(request, client, login, booked):
    role = request.node.callspec.params["login"]
    note = full_draft(booked)
    response = get(client, reverse("admin:treatments_sessionnote_changelist"))
    if SEES[role] == "login":
        assert response.status_code == 302
        return
    if role == "client_a":
        return
    listed = list(response.context["cl"].result_list) if response.status_code == 200 else []
    assert listed == ([] if SEES[role] == "nothing" else [note])
    assert SECRET not in response.content.decode()
    assert not reads()


def test_a_search_does_not_reach_into_the_notes(client, staff, booked):  # noqa: F811
    full_draft(booked)
    client.force_login(staff["receptionist"])
    response = client.get(reverse("admin:treatments_sessionnote_changelist"), {"q": SECRET})
    assert list(response.context["cl"].result_list) == []


# -- the author's draft -----------------------------------------------------------------------


def test_the_author_edits_the_draft_through_the_service(client, staff, booked):  # noqa: F811
    note = full_draft(booked)
    client.force_login(staff["assigned_practitioner"])
    data = page_data(get(client, change_url(note)))
    other_technique = Technique.objects.order_by("-pk").first()
    data.update({"plan": "Changed in the panel.", "pain_after": "2", "techniques-0-minutes": "25",
                 "techniques-1-DELETE": "on", "techniques-TOTAL_FORMS": "3",
                 "techniques-2-technique": str(other_technique.pk), "techniques-2-minutes": "5"})
    response = client.post(change_url(note), data, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    note.refresh_from_db()
    assert note.plan == "Changed in the panel." and note.pain_after == 2
    assert sorted(note.techniques.values_list("minutes", flat=True)) == [5, 25]
    update = RecordAccess.objects.filter(action=AccessAction.UPDATE).latest("pk")
    assert (update.actor, update.address) == (staff["assigned_practitioner"], ADDRESS)


@pytest.mark.parametrize("chart", ['{"regions": [{"side": "top", "region": "neck"}]}', "[1, 2]", "not json",
                                   "[" * 50 + "]" * 50, '{"marks": [{"side": "back", "x": 9, "y": 0, "intensity": 1}]}',
                                   '"\\u0000"'])
def test_a_bad_body_chart_is_an_error_on_its_field(client, staff, booked, chart):  # noqa: F811
    note = full_draft(booked)
    before = notes.note_content(SessionNote.objects.get(pk=note.pk))
    client.force_login(staff["assigned_practitioner"])
    data = {**page_data(get(client, change_url(note))), "body_chart": chart}
    response = client.post(change_url(note), data)
    assert response.status_code == 200
    assert "body_chart" in response.context["adminform"].form.errors
    assert notes.note_content(SessionNote.objects.get(pk=note.pk)) == before


def test_the_author_signs_with_the_button(client, staff, booked):  # noqa: F811
    note = full_draft(booked)
    client.force_login(staff["assigned_practitioner"])
    page = get(client, change_url(note))
    assert 'name="_sign"' in page.content.decode()
    response = client.post(change_url(note), {**page_data(page), "_sign": "Save and sign"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == NoteStatus.SIGNED and RecordSignature.objects.filter(note=note).exists()
    assert RecordAccess.objects.get(action=AccessAction.SIGN).address == ADDRESS


def test_the_author_starts_a_note_from_the_panel(client, staff, booked):  # noqa: F811
    client.force_login(staff["assigned_practitioner"])
    add = reverse("admin:treatments_sessionnote_add")
    assert list(client.get(add).context["adminform"].form.fields["appointment"].queryset) == [booked]
    response = client.post(add, {"appointment": booked.pk}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    note = SessionNote.objects.get()
    assert note.appointment == booked and RecordAccess.objects.get(action=AccessAction.CREATE).address == ADDRESS


@pytest.mark.parametrize("role", ["other_practitioner", "receptionist", "manager"])
def test_nobody_else_starts_one(client, staff, booked, role):  # noqa: F811
    client.force_login(staff[role])
    response = client.post(reverse("admin:treatments_sessionnote_add"), {"appointment": booked.pk})
    assert response.status_code in (200, 403)
    assert not SessionNote.objects.exists()


# -- a signed note --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["assigned_practitioner", "manager"])
def test_a_signed_note_is_read_only_but_takes_an_amendment(client, staff, booked, role):  # noqa: F811
    note = signed_note(booked)
    before = notes.note_content(SessionNote.objects.get(pk=note.pk))
    client.force_login(staff[role])
    page = get(client, change_url(note))
    form = page.context["adminform"].form
    assert set(form.fields) == {"amendment_text", "amendment_reason"}
    assert 'name="_sign"' not in page.content.decode()
    data = {**page_data(page), "plan": "Changed after signing.", "objective": "x", "pain_after": "0",
            "amendment_text": "Pain after was 4.", "amendment_reason": "Typo."}
    assert client.post(change_url(note), data, REMOTE_ADDR=ADDRESS).status_code == 302
    assert notes.note_content(SessionNote.objects.get(pk=note.pk)) == before
    amendment = Amendment.objects.get()
    assert (amendment.text, amendment.author) == ("Pain after was 4.", staff[role])
    assert RecordAccess.objects.get(action=AccessAction.AMEND).address == ADDRESS
    after = get(client, change_url(note)).content.decode()
    assert "Pain after was 4." in after
    # Signed and amended on the location's clocks, the zone named (Chennai: IST).
    location_zone = booked.location.time_zone
    for moment in (note.signed_at, amendment.created_at):
        assert moment.astimezone(location_zone).strftime("%a %d %b %Y, %H:%M IST") in after


@pytest.mark.parametrize("role", ["other_practitioner", "receptionist"])
def test_others_cannot_post_to_a_signed_note(client, staff, studio, booked, role):  # noqa: F811
    appointment(studio, client=studio.client, practitioner=studio.other_practitioner,
                start=booked.start + timedelta(days=1))
    note = signed_note(booked)
    before = notes.note_content(SessionNote.objects.get(pk=note.pk))
    client.force_login(staff[role])
    response = client.post(change_url(note), {"plan": "x", "amendment_text": "x", "amendment_reason": "y"})
    assert response.status_code == 403
    assert notes.note_content(SessionNote.objects.get(pk=note.pk)) == before and not Amendment.objects.exists()


def test_a_draft_signed_while_the_page_was_open_is_not_changed(client, staff, booked):  # noqa: F811
    note = full_draft(booked)
    client.force_login(staff["assigned_practitioner"])
    data = page_data(get(client, change_url(note)))
    notes.sign_note(actor=staff["assigned_practitioner"], note=note)
    before = notes.note_content(SessionNote.objects.get(pk=note.pk))
    response = client.post(change_url(note), {**data, "plan": "Too late."})
    assert response.status_code in (302, 403)
    assert notes.note_content(SessionNote.objects.get(pk=note.pk)) == before


@pytest.mark.parametrize("login", PANEL_ROLES, indirect=True)
def test_every_note_page_answers_without_a_500(client, login, booked, second_appointment):
    draft = full_draft(second_appointment)
    signed = signed_note(booked)
    urls = [reverse("admin:treatments_sessionnote_changelist"), reverse("admin:treatments_sessionnote_add"),
            reverse("admin:index")]
    for note in (draft, signed):
        urls += [change_url(note), reverse("admin:treatments_sessionnote_history", args=[note.pk]),
                 reverse("admin:treatments_sessionnote_delete", args=[note.pk])]
    for url in urls:
        assert get(client, url).status_code < 500, url
    for note in (draft, signed):
        assert client.post(reverse("admin:treatments_sessionnote_delete", args=[note.pk]),
                           {"post": "yes"}).status_code in (302, 403)
    assert SessionNote.objects.count() == 2
