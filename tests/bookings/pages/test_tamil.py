"""The booking pages in Tamil for a Tamil browser (``Accept-Language: ta``)
or after the language switch, and in English otherwise: the headings and
buttons a client reads, the day names and month names from Django's Tamil
locale, the form errors and the manage page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from bookings.links import manage_path
from tests.bookings.pages.conftest import params
from tests.scenario import next_tuesday

pytestmark = pytest.mark.django_db

TAMIL_SCRIPT = re.compile(r"[\u0B80-\u0BFF]")


def visible(response) -> str:
    """The page's text as a reader sees it (no tags, scripts or styles)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


def check(response, *, tamil: list[str], english: list[str], status: int = 200) -> None:
    """The page shows each of ``tamil`` and none of ``english``."""
    assert response.status_code == status
    text = visible(response)
    assert TAMIL_SCRIPT.search(text)
    assert '<html lang="ta">' in response.content.decode()
    missing = [phrase for phrase in tamil if phrase not in text]
    leftover = [phrase for phrase in english if phrase in text]
    assert not missing and not leftover, (missing, leftover)


@pytest.fixture
def tamil() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="ta")


@pytest.fixture
def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def when_step(studio) -> dict:
    return {"service": studio.service.pk, "practitioner": "any", "date": next_tuesday().isoformat()}


def test_home_page_in_tamil(tamil, studio):
    check(tamil.get("/"), tamil=["சந்திப்புக்கு முன்பதிவு செய்யவும்", "திறந்திருக்கும் நேரம்", "சிகிச்சைகள்",
                                 "திங்கள்", "60 நிமிடங்கள்", "மொழி", "மாற்றவும்"],
          english=["Book an appointment", "Opening hours", "Treatments", "Monday", "minutes", "Language",
                   "Skip to the content"])


def test_treatment_and_practitioner_steps_in_tamil(tamil, studio):
    check(tamil.get("/book/"), tamil=["படி 1 / 6", "சிகிச்சையைத் தேர்ந்தெடுக்கவும்"],
          english=["Step 1 of 6", "Choose a treatment"])
    check(tamil.get("/book/", {"service": studio.service.pk}),
          tamil=["படி 2 / 6", "சிகிச்சையை மாற்றவும்", "கிடைக்கும் எந்தச் சிகிச்சையாளரும்",
                 f"{studio.service.name} சிகிச்சைக்கு எந்தச் சிகிச்சையாளர் வேண்டும்?"],
          english=["Step 2 of 6", "Change treatment", "Anyone available", "Who would you like"])


def test_day_and_time_step_in_tamil(tamil, studio):
    response = tamil.get("/book/", when_step(studio))
    check(response, tamil=[
        "படி 3 / 6", "நாளையும் நேரத்தையும் தேர்ந்தெடுக்கவும்", "ஒரு நாளைத் தேர்ந்தெடுக்கவும்",
        "செவ்.",  # the day buttons' short names (Django's Tamil has none: ours)
        "ஞாயி. ",
        "நிரம்பியது",  # Sunday: nobody works
        "செவ்வாய்",  # the chosen day, written out by Django's Tamil locale ...
        "அன்றைய நேரங்கள்",
        "(Asia/Kolkata நேரம்)",  # ... and the zone sentence
    ], english=["Step 3 of 6", "Choose a day", "Full", "Times on", "Tue", "Sun ", "Tuesday", "Kolkata time",
                "December", "January", "November"])
    text = visible(response)
    assert re.search(r"(ஜன|பிப்|மார்|ஏப்|மே|ஜூன்|ஜூலை|ஆக|செப்|அக்|நவ|டிச)", text)  # the months, in Tamil


def test_the_slots_fragment_in_tamil(tamil, studio):
    response = tamil.get("/book/slots/", when_step(studio))
    text = visible(response)
    assert "அன்றைய நேரங்கள்" in text and "(Asia/Kolkata நேரம்)" in text and "Times on" not in text


@pytest.mark.parametrize("field,value,tamil_error,english_error", [
    ("full_name", "", "இந்தப் புலம் கட்டாயம்", "This field is required."),
    ("phone", "12", "சரியான தொலைபேசி எண்ணை உள்ளிடவும்", "Enter a valid phone number"),
    ("email", "not-an-email", "சரியான மின்னஞ்சல் முகவரியை உள்ளிடவும்", "Enter a valid email address."),
    ("full_name", "Meena\x07", "கண்ணுக்குத் தெரியாத எழுத்துகளை", "invisible characters"),
])
def test_details_errors_in_tamil(tamil, studio, field, value, tamil_error, english_error):
    data = {**params(studio), "full_name": "Meena", "phone": "9876543210", "email": "", field: value}
    check(tamil.post("/book/details/", data), status=400, tamil=[
        "படி 4 / 6", "உங்கள் விவரங்கள்", "கீழே குறிக்கப்பட்ட புலங்களைத் திருத்தவும்.", "உங்கள் பெயர்",
        "மொபைல் எண்", "தொடரவும்", "(Asia/Kolkata நேரம்)", tamil_error,
    ], english=["Step 4 of 6", "Your details", "Please correct", "Your name", "Mobile number", "Continue",
                english_error])


def test_manage_pages_in_tamil_after_the_language_switch(studio, booked):
    browser = Client()
    link = manage_path(booked.pk, booked.client_id)
    with translation.override("ta"):
        day_in_tamil = date_format(timezone.localtime(booked.start, booked.location.time_zone), "l j F Y")
    assert TAMIL_SCRIPT.search(day_in_tamil)
    assert browser.post("/i18n/setlang/", {"language": "ta", "next": link}).status_code == 302
    check(browser.get(link + "?new=1"), tamil=[
        "உங்கள் முன்பதிவு முடிந்தது", "நிலை: உறுதி செய்யப்பட்டது", "நாட்காட்டியில் சேர்க்கவும்",
        "வேறு நேரத்துக்கு மாற்றவும்", "இந்த முன்பதிவை நிர்வகிக்கும் இணைப்பு", "ரத்துக் கொள்கை", day_in_tamil,
    ], english=["You are booked", "Status:", "Add to calendar", "Move to another time", "Keep this link",
                "Cancellation policy", "Tuesday"])
    check(browser.get(link + "cancel/"), tamil=["இந்தச் சந்திப்பை ரத்து செய்யவா?", "சந்திப்பை ரத்து செய்ய வேண்டாம்"],
          english=["Cancel this appointment?", "Keep my appointment"])
    check(browser.get(link + "move/", {"date": next_tuesday().isoformat()}),
          tamil=["உங்கள் சந்திப்பின் நேரத்தை மாற்றவும்", "நிரம்பியது", "தற்போதைய நேரமே இருக்கட்டும்"],
          english=["Move your appointment", "Full", "Keep the current time", "Times on"])


def test_the_first_visit_questionnaire_in_tamil(studio, people):
    # A signed-in client's pages speak their profile's language (clinic.middleware.ClientLanguage).
    studio.client.preferred_language = "ta"
    studio.client.save(update_fields=["preferred_language"])
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(people["client_a"])
    missing = browser.post("/book/health/", {**params(studio), "takes_blood_thinners": "no", "pregnant": "no",
                                             "recent_injury_or_surgery": "no", "fever": "no",
                                             "skin_condition_or_infection": "no"})
    check(missing, status=400, tamil=[
        "உங்கள் முதல் வருகைக்கு முன்", "நீங்கள் கர்ப்பமாக இருக்கிறீர்களா?", "இல்லை", "ஆம்",
        "ஒப்புக்கொள்ள, பெட்டியில் டிக் செய்யவும்", "சேமித்துத் தொடரவும்",
    ], english=["Before your first visit", "Are you pregnant?", "Tick the box", "Save and continue"])


def test_the_pages_stay_english_for_english(english, studio, booked):
    home = visible(english.get("/"))
    assert not TAMIL_SCRIPT.search(home.replace("தமிழ்", ""))  # the language menu names Tamil in Tamil
    assert "Book an appointment" in home and "Opening hours" in home and "Monday" in home
    when = visible(english.get("/book/", when_step(studio)))
    assert "Step 3 of 6" in when and "Full" in when and "Tue" in when and "(Asia/Kolkata time)" in when
    assert not TAMIL_SCRIPT.search(when.replace("தமிழ்", ""))
    details = visible(english.post("/book/details/", {**params(studio), "full_name": "", "phone": "12"}))
    assert "This field is required." in details and "Enter a valid phone number" in details
    manage = visible(english.get(manage_path(booked.pk, booked.client_id)))
    assert "Add to calendar" in manage and not TAMIL_SCRIPT.search(manage.replace("தமிழ்", ""))
