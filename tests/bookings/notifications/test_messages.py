"""What the messages say (bookings/messages.py): the day relative to the
moment of sending in the location's zone, the links, the details, the
fixed SMS texts and WhatsApp template variables, the client's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from bookings import messages
from bookings.models import Notification
from tests.bookings.notifications.conftest import book
from tests.scenario import NOW

Kind, Channel = Notification.Kind, Notification.Channel
TAMIL = re.compile("[\u0b80-\u0bff]")
LONDON, KOLKATA = ZoneInfo("Europe/London"), ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(("start", "zone", "now", "expected"), [
    # London, the night the clocks go back (Sunday 25 October 2026, 02:00 BST -> 01:00 GMT).
    (datetime(2026, 10, 25, 10, 0, tzinfo=UTC), LONDON, datetime(2026, 10, 24, 22, 30, tzinfo=UTC),
     "tomorrow at 10:00 GMT"),
    # 23:30 UTC on the 24th is already the 25th in London (00:30 BST): "today", not "tomorrow".
    (datetime(2026, 10, 25, 10, 0, tzinfo=UTC), LONDON, datetime(2026, 10, 24, 23, 30, tzinfo=UTC),
     "today at 10:00 GMT"),
    # The spring change (Sunday 29 March 2026): a 09:00 BST visit is 08:00 UTC.
    (datetime(2026, 3, 29, 8, 0, tzinfo=UTC), LONDON, datetime(2026, 3, 28, 12, 0, tzinfo=UTC),
     "tomorrow at 09:00 BST"),
    # Kolkata (+05:30): 20:00 UTC on the 7th is 01:30 on the 8th there, the day of the visit.
    (datetime(2026, 12, 8, 4, 30, tzinfo=UTC), KOLKATA, datetime(2026, 12, 7, 20, 0, tzinfo=UTC),
     "today at 10:00 IST"),
    (datetime(2026, 12, 8, 4, 30, tzinfo=UTC), KOLKATA, datetime(2026, 12, 7, 18, 0, tzinfo=UTC),
     "tomorrow at 10:00 IST"),
    (datetime(2026, 12, 8, 4, 30, tzinfo=UTC), KOLKATA, datetime(2026, 12, 6, 4, 30, tzinfo=UTC),
     "on Tuesday 8 December 2026 at 10:00 IST"),
])
def test_the_day_is_said_from_the_moment_of_sending_in_the_locations_zone(start, zone, now, expected):
    with translation.override("en"):
        assert messages.when(start, zone, now) == expected


@pytest.fixture
def reminder(studio, consenting):
    appointment = book(studio)
    return Notification.objects.select_related(
        "appointment__client", "appointment__location", "appointment__practitioner", "appointment__service",
    ).get(appointment=appointment, kind=Kind.REMINDER, offset_minutes=120)


LINKS = {"confirm_url": "https://clinic.example.com/r/yes/", "cancel_url": "https://clinic.example.com/r/no/"}


def test_a_reminder_email_has_the_details_the_links_and_the_policy(reminder, studio):
    context = messages.Context(links={reminder.pk: LINKS})
    message = messages.render(reminder, now=NOW, context=context)
    assert message.to == studio.client.email and message.channel == Channel.EMAIL
    assert message.subject == f"See you tomorrow at 10:00 IST: {studio.service.name}"
    for text in (message.text, message.html):
        assert "tomorrow at 10:00 IST" in text
        assert studio.practitioner.display_name in text
        assert studio.location.name in text and "1 Test Street, Chennai" in text
        assert LINKS["confirm_url"] in text and LINKS["cancel_url"] in text
        assert "24 hours before the start" in text
    assert message.attachments == ()  # a reminder carries no calendar file


def test_the_locations_own_cancellation_policy_is_quoted(reminder, studio):
    studio.location.cancellation_policy = "Cancel by phone until noon the day before."
    studio.location.save()
    reminder.appointment.location.refresh_from_db()
    message = messages.render(reminder, now=NOW, context=messages.Context(links={reminder.pk: LINKS}))
    assert "Cancel by phone until noon the day before." in message.text
    assert "24 hours" not in message.text


def test_html_escapes_what_staff_typed(reminder, studio):
    location = reminder.appointment.location
    location.name = "Studio <b>&</b>"
    message = messages.render(reminder, now=NOW, context=messages.Context(links={reminder.pk: LINKS}))
    assert "Studio &lt;b&gt;&amp;&lt;/b&gt;" in message.html
    assert "Studio <b>&</b>" in message.text


def test_sms_is_the_fixed_text_with_its_variables(reminder, studio):
    reminder.channel = Channel.SMS
    message = messages.render(reminder, now=NOW, context=messages.Context(links={reminder.pk: LINKS}))
    assert message.to == str(studio.client.phone)
    assert message.template == "sms_reminder"
    assert message.text == (
        f"{studio.location.name}: a reminder of {studio.service.name} with {studio.practitioner.display_name} "
        f"tomorrow at 10:00 IST. Coming? {LINKS['confirm_url']} Can't make it? {LINKS['cancel_url']}"
    )
    assert message.variables == (studio.location.name, studio.service.name, studio.practitioner.display_name,
                                 "tomorrow at 10:00 IST", LINKS["confirm_url"], LINKS["cancel_url"])


def test_whatsapp_names_its_approved_template_and_fills_its_variables_in_order(reminder, studio):
    reminder.channel = Channel.WHATSAPP
    message = messages.render(reminder, now=NOW, context=messages.Context(links={reminder.pk: LINKS}))
    assert message.template == "appointment_reminder"
    assert message.variables == (studio.client.full_name, studio.service.name, studio.practitioner.display_name,
                                 "tomorrow at 10:00 IST", studio.location.name, LINKS["confirm_url"],
                                 LINKS["cancel_url"])


def test_every_kind_renders_on_every_channel(reminder):
    context = messages.Context(links={reminder.pk: {**LINKS, "check_in_url": "https://x/r/c/"}},
                               routines={reminder.pk: ["Neck release"]})
    for kind in Kind.values:
        for channel in Channel.values:
            reminder.kind, reminder.channel = kind, channel
            message = messages.render(reminder, now=NOW, context=context)
            assert message.text.strip() and message.subject
            assert "{" not in message.text and "%(" not in message.text


@pytest.mark.parametrize("now", [NOW, NOW.replace(day=NOW.day - 3)], ids=["tomorrow", "a date"])
def test_the_booked_and_moved_texts_read_whether_the_day_is_tomorrow_or_a_date(reminder, now):
    # "booked for on Tuesday" was sent once: every sentence around ``when``
    # must read with each of its forms.
    with translation.override("en"):
        said = messages.when(reminder.appointment.start, reminder.appointment.location.time_zone, now)
    for kind in (Kind.CONFIRMATION, Kind.RESCHEDULED):
        for channel in Channel.values:
            reminder.kind, reminder.channel = kind, channel
            text = messages.render(reminder, now=now, context=messages.Context()).text
            assert said in text
            assert not re.search(r"\b(for|to) (on|today|tomorrow)\b", text), text


def test_a_reminder_for_a_tamil_reader_is_in_tamil_on_the_location_s_clock(reminder, studio):
    reminder.appointment.client.preferred_language = "ta"
    message = messages.render(reminder, now=NOW, context=messages.Context(links={reminder.pk: LINKS}))
    assert message.language == "ta"
    assert message.subject == f"நாளை 10:00 IST மணிக்கு சந்திப்போம்: {studio.service.name}"
    for text in (message.text, message.html):
        assert "நினைவூட்டல்: " in text and "நாளை 10:00 IST மணிக்கு" in text  # the local time, said in Tamil
        assert "tomorrow" not in text and "Cancelling or moving" not in text and "Hello" not in text
        assert "24 மணி நேரம்" in text  # the default policy, in Tamil
        assert LINKS["confirm_url"] in text and LINKS["cancel_url"] in text
    assert "ஆம், வருகிறேன்" in message.html
    assert translation.get_language() != "ta"  # the override ends with the message


def test_a_reminder_for_an_english_reader_is_in_english(reminder):
    with translation.override("ta"):  # whatever the worker's language happens to be
        message = messages.render(reminder, now=NOW, context=messages.Context(links={reminder.pk: LINKS}))
    assert message.language == "en"
    assert "A reminder: we expect you tomorrow at 10:00 IST." in message.text
    assert not TAMIL.search(message.text + message.html + message.subject)


def test_a_language_without_a_catalogue_is_answered_in_english_throughout(reminder, studio):
    """Hindi is a preference a client may record, not a language the site
    speaks yet: English, dates included, rather than Django's Hindi dates."""
    reminder.appointment.client.preferred_language = "hi"
    message = messages.render(reminder, now=datetime(2026, 1, 1, tzinfo=UTC),
                              context=messages.Context(links={reminder.pk: LINKS}))
    local = reminder.appointment.start.astimezone(studio.location.time_zone)
    assert message.language == "en"
    assert f"on {local:%A} {local.day} {local:%B %Y} at" in message.text


# A Tamil SMS goes as UCS-2: 70 characters in one part, 67 a part once it
# needs more (locale/README.md, "SMS length"). Each kind's budget, in parts,
# for the Tamil text with names as long as a real clinic's and the real
# signed links (about 113 characters each on this domain). The reminder
# carries two links, 226 characters before a word is said; its words
# alone must fit in two parts.
SMS_PARTS = {Kind.CONFIRMATION: 3, Kind.REMINDER: 6, Kind.RESCHEDULED: 2, Kind.CANCELLED: 2, Kind.HOME_CARE: 2,
             Kind.CHECK_IN: 3}
WORDS_PARTS = {Kind.REMINDER: 2}


def ucs2_parts(text: str) -> int:
    return 1 if len(text) <= 70 else -(-len(text) // 67)


@pytest.mark.parametrize("kind", Kind.values)
def test_a_tamil_sms_stays_within_its_length_budget(reminder, kind, settings):
    from bookings.links import Action, reply_url

    settings.SITE_URL = "https://book.example.in"
    appointment = reminder.appointment
    appointment.client.preferred_language = "ta"
    appointment.location.name = "Thenmozhi Wellness, Mylapore"
    appointment.location.address = "12 Temple Road, Mylapore, Chennai 600004"
    appointment.service.name = "Foot reflexology"
    appointment.practitioner.display_name = "Dr. Kavitha"
    reminder.kind, reminder.channel = kind, Channel.SMS
    busy = 123456  # a link's length grows with its message's id: one of a clinic a few years in
    links = {"confirm_url": reply_url(busy, Action.CONFIRM), "cancel_url": reply_url(busy, Action.CANCEL),
             "check_in_url": reply_url(busy, Action.CHECK_IN)}
    context = messages.Context(links={reminder.pk: links}, routines={reminder.pk: ["Neck release", "Arch roll"]})
    text = messages.render(reminder, now=NOW, context=context).text
    assert TAMIL.search(text)
    assert ucs2_parts(text) <= SMS_PARTS[kind], (len(text), text)
    words = text
    for url in links.values():
        words = words.replace(url, "")
    assert ucs2_parts(words) <= WORDS_PARTS.get(kind, SMS_PARTS[kind]), (len(words), words)
