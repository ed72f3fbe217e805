"""The pain check-in: its page, its answer on the client's record, and its
link working once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from bookings.errors import BookingError
from bookings.links import Action
from bookings.models import AppointmentStatus, Notification
from tests.bookings.replies.conftest import link, message, old_link
from treatments.errors import RecordError
from treatments.models import PainCheckIn, RecordAccess
from treatments.services.check_ins import record_check_in

pytestmark = pytest.mark.django_db


def nothing_written(notification: Notification) -> bool:
    notification.refresh_from_db()
    return notification.answered_at is None and not PainCheckIn.objects.exists()


def test_the_page_asks_with_eleven_labelled_choices_and_writes_nothing(client, check_in_message, session):
    response = client.get(link(check_in_message, Action.CHECK_IN))
    page = response.content.decode()
    assert response.status_code == 200
    assert "How is the pain today?" in page and session.service.name in page
    assert '<form method="post" novalidate>' in page and 'name="csrfmiddlewaretoken"' in page
    for value in range(11):
        assert f'id="id_pain_{value}" value="{value}"' in page
        assert f'<label for="id_pain_{value}">' in page
    assert 'value="11"' not in page and "<legend>" in page and '<button type="submit">' in page
    assert nothing_written(check_in_message)


def test_an_answer_becomes_a_data_point_and_the_link_is_used(client, check_in_message, session):
    response = client.post(link(check_in_message, Action.CHECK_IN), {"pain": "3"})
    assert response.status_code == 200 and "3 out of 10" in response.content.decode()
    answer = PainCheckIn.objects.get()
    assert (answer.client, answer.appointment, answer.pain) == (session.client, session, 3)
    check_in_message.refresh_from_db()
    assert check_in_message.answered_at == answer.answered_at and check_in_message.answer == "check_in"


def test_a_used_link_says_so_and_writes_nothing_more(client, check_in_message):
    client.post(link(check_in_message, Action.CHECK_IN), {"pain": "3"})
    for method, data in ((client.get, None), (client.post, {"pain": "9"})):
        response = method(link(check_in_message, Action.CHECK_IN), data)
        assert response.status_code == 200
        assert "used to answer how your pain was" in response.content.decode()
    assert list(PainCheckIn.objects.values_list("pain", flat=True)) == [3]


@pytest.mark.parametrize("value", ["11", "-1", "abc", "", "3.5", "1e1", " 4", "٣"])
def test_a_bad_answer_is_a_400_with_the_error_at_the_field(client, check_in_message, value):
    response = client.post(link(check_in_message, Action.CHECK_IN), {"pain": value})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="pain-error" role="alert">Choose how strong the pain is: one number from 0 to 10.</p>' in page
    assert 'aria-describedby="pain-error"' in page and 'aria-invalid="true"' in page
    assert nothing_written(check_in_message)


def test_no_answer_at_all_is_a_400_too(client, check_in_message):
    assert client.post(link(check_in_message, Action.CHECK_IN)).status_code == 400
    assert nothing_written(check_in_message)


def test_opening_the_link_never_answers(client, check_in_message):
    for _ in range(3):
        assert client.get(link(check_in_message, Action.CHECK_IN), {"pain": "5"}).status_code == 200
    assert client.head(link(check_in_message, Action.CHECK_IN)).status_code == 200
    assert nothing_written(check_in_message)


def test_a_post_without_its_csrf_token_is_refused(check_in_message):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(link(check_in_message, Action.CHECK_IN), {"pain": "4"}).status_code == 403
    assert nothing_written(check_in_message)
    browser.get(link(check_in_message, Action.CHECK_IN))
    token = browser.cookies["csrftoken"].value
    assert browser.post(link(check_in_message, Action.CHECK_IN),
                        {"pain": "4", "csrfmiddlewaretoken": token}).status_code == 200
    assert PainCheckIn.objects.get().pain == 4


def test_a_tampered_link_is_a_404(client, check_in_message):
    path = link(check_in_message, Action.CHECK_IN)
    token = path.split("/")[2]
    broken = path.replace(token, token[:-2] + ("xy" if not token.endswith("xy") else "zz"))
    for method in (client.get, client.post):
        response = method(broken, {"pain": "2"})
        assert response.status_code == 404 and "This link does not work" in response.content.decode()
    assert nothing_written(check_in_message)


def test_an_old_link_is_gone(client, check_in_message, settings):
    settings.REPLY_LINK_DAYS = 14
    path = old_link(check_in_message, Action.CHECK_IN, days=15) + "pain/"
    for method in (client.get, client.post):
        assert method(path, {"pain": "2"}).status_code == 410
    assert nothing_written(check_in_message)


def test_a_check_in_for_a_session_that_was_not_completed_is_gone(client, check_in_message, session):
    session.status = AppointmentStatus.NO_SHOW
    session.save(update_fields=["status"])
    response = client.post(link(check_in_message, Action.CHECK_IN), {"pain": "2"})
    assert response.status_code == 410 and "was not completed" in response.content.decode()
    assert nothing_written(check_in_message)


def test_a_check_in_link_on_a_reminder_is_a_404(client, session):
    reminder = message(session)
    assert client.post(link(reminder, Action.CHECK_IN), {"pain": "2"}).status_code == 404
    assert nothing_written(reminder)


def test_each_page_sends_the_other_action_to_its_own_address(client, check_in_message):
    token = link(check_in_message, Action.CHECK_IN).split("/")[2]
    response = client.get(f"/r/{token}/")
    assert response.status_code == 302 and response["Location"] == f"/r/{token}/pain/"
    assert nothing_written(check_in_message)


def test_a_second_message_about_the_same_session_does_not_answer_twice(client, check_in_message, session):
    fallback = message(session, kind=Notification.Kind.CHECK_IN, channel=Notification.Channel.EMAIL)
    client.post(link(check_in_message, Action.CHECK_IN), {"pain": "3"})
    response = client.post(link(fallback, Action.CHECK_IN), {"pain": "8"})
    assert response.status_code == 200 and "answered already" in response.content.decode()
    fallback.refresh_from_db()
    assert fallback.answered_at is None and list(PainCheckIn.objects.values_list("pain", flat=True)) == [3]


def test_the_page_speaks_the_client_s_language(client, check_in_message, session):
    session.client.preferred_language = "ta"
    session.client.save(update_fields=["preferred_language"])
    page = client.get(link(check_in_message, Action.CHECK_IN), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ta">' in page
    assert "இன்று வலி எப்படி இருக்கிறது?" in page and "என் பதிலை அனுப்பவும்" in page
    assert "How is the pain" not in page


def test_a_tamil_client_s_refusal_is_in_tamil(client, check_in_message, session):
    session.client.preferred_language = "ta"
    session.client.save(update_fields=["preferred_language"])
    response = client.post(link(check_in_message, Action.CHECK_IN), {"pain": "11"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "0 முதல் 10 வரை ஒரு எண்" in response.content.decode()


def test_a_language_without_a_catalogue_is_answered_in_english(client, check_in_message, session):
    """Hindi is recorded but not spoken yet: English, not English around Django's Hindi."""
    session.client.preferred_language = "hi"
    session.client.save(update_fields=["preferred_language"])
    page = client.get(link(check_in_message, Action.CHECK_IN)).content.decode()
    assert '<html lang="en">' in page and "How is the pain today?" in page


# -- the service ----------------------------------------------------------------------


@pytest.mark.parametrize("pain", [11, -1, True, 2.5, "4", None])
def test_the_service_refuses_anything_but_a_whole_number_on_the_scale(check_in_message, pain):
    with pytest.raises(RecordError) as refused:
        record_check_in(notification=check_in_message, pain=pain)
    assert refused.value.code == "check_in_pain" and refused.value.field == "pain"
    assert nothing_written(check_in_message)


def test_the_service_refuses_a_used_link(check_in_message):
    record_check_in(notification=check_in_message, pain=0)
    with pytest.raises(BookingError) as refused:
        record_check_in(notification=check_in_message, pain=6)
    assert refused.value.code == "link_used"
    assert PainCheckIn.objects.get().pain == 0


# -- on the client's record ------------------------------------------------------------


@pytest.fixture
def answered(check_in_message, session):
    return record_check_in(notification=check_in_message, pain=4, now=session.completed_at + timedelta(days=2))


def record_page(client, user, session):
    client.force_login(user)
    return client.get(reverse("admin:clinic_client_record", args=[session.client_id]))


@pytest.mark.parametrize("role", ["manager", "assigned_practitioner"])
def test_the_answer_is_on_the_record_and_its_pain_chart(client, people, answered, session, role):
    people[role].is_staff = True
    people[role].save(update_fields=["is_staff"])
    response = record_page(client, people[role], session)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-check-in="{answered.pk}"' in page and "4/10" in page and "Pain check-ins" in page
    day = answered.answered_at.astimezone(session.location.time_zone).date().isoformat()
    assert f'data-series="check_in" data-date="{day}" data-pain="4"' in page
    assert RecordAccess.objects.filter(client=session.client, actor=people[role]).exists()


def test_a_receptionist_does_not_see_the_answer(client, people, answered, session):
    page = record_page(client, people["receptionist"], session).content.decode()
    assert "data-check-in" not in page and 'data-series="check_in"' not in page


def test_the_data_rights_export_carries_the_answers(client, people, answered, session):
    client.force_login(people["manager"])
    response = client.post(reverse("admin:clinic_client_export", args=[session.client_id]))
    entries = response.json()["pain_check_ins"]
    assert [(entry["appointment"], entry["pain"]) for entry in entries] == [(session.pk, 4)]
    assert entries[0]["answered_at"]
