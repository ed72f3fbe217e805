"""The account pages in Tamil: the sign-in page for a visitor whose
browser asks for Tamil, and "my bookings" for a client whose profile says
Tamil (whatever the browser asks); English stays English."""

from __future__ import annotations

import re

import pytest

from tests.bookings.account.conftest import web_as

pytestmark = pytest.mark.django_db

TAMIL = re.compile(r"[\u0B80-\u0BFF]")


def lang_of(html: str) -> str:
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def main_of(html: str) -> str:
    """The page without the language switch, which names both languages in their own script."""
    return html.split('data-testid="language-select"', 1)[1].split("</select>", 1)[1]


def test_the_sign_in_page_in_tamil(client):
    html = client.get("/account/sign-in/", HTTP_ACCEPT_LANGUAGE="ta").content.decode()
    assert lang_of(html) == "ta"
    page = main_of(html)
    assert TAMIL.search(page)
    assert "<h1>உள்நுழையவும்</h1>" in page
    assert "கடவுச்சொல் மறந்துவிட்டதா?" in page and "கணக்கை உருவாக்கவும்" in page
    for english in ("Sign in", "Forgot your password?", "No password at hand?", "New here?", "Create an account",
                    "Email address", "Password"):
        assert english not in page, english


def test_my_bookings_for_a_tamil_client_whatever_the_browser_asks(member):
    member.preferred_language = "ta"
    member.save()
    html = web_as(member.user).get("/account/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert lang_of(html) == "ta"
    page = main_of(html)
    assert "<h1>என் முன்பதிவுகள்</h1>" in page
    assert "வரவிருக்கும் சந்திப்புகள்" in page and "வெளியேறவும்" in page
    for english in ("My bookings", "Coming up", "Past and cancelled", "You have no appointments coming up.",
                    "Home care", "My details", "Who read my record", "Sign out", "Signed in as"):
        assert english not in page, english


def test_english_stays_english(client, member):
    html = client.get("/account/sign-in/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert lang_of(html) == "en"
    assert "<h1>Sign in</h1>" in html and not TAMIL.search(main_of(html))
    html = web_as(member.user).get("/account/", HTTP_ACCEPT_LANGUAGE="ta").content.decode()
    assert lang_of(html) == "en"  # the profile says English
    assert "<h1>My bookings</h1>" in html and not TAMIL.search(main_of(html))


def test_the_tamil_sign_in_code_sms_fits_one_ucs2_part(settings):
    """locale/README.md, "SMS length": one part is 70 UCS-2 characters."""
    from django.utils import translation

    msgid = ("%(code)s is your sign-in code for the clinic. It works once, within %(minutes)s minutes. "
             "Nobody from the clinic will ever ask you for it.")
    with translation.override("ta"):
        text = translation.gettext(msgid) % {"code": "123456", "minutes": settings.SIGN_IN_CODE_MINUTES}
    assert TAMIL.search(text) and "123456" in text
    assert len(text.encode("utf-16-le")) // 2 <= 70, len(text)


def test_the_password_rules_and_refusals_in_tamil(client):
    """Django's own Tamil has none of these; the project's catalogue does
    (``clinic/framework_texts.py``)."""
    page = main_of(client.get("/account/sign-up/", HTTP_ACCEPT_LANGUAGE="ta").content.decode())
    assert "குறைந்தது 8 எழுத்துகள்" in page
    assert "Your password" not in page
    refused = main_of(client.post("/account/sign-up/", {
        "full_name": "மீனா", "email": "meena@example.test", "phone": "98400 22222", "password": "12345678",
        "preferred_language": "ta"}, HTTP_ACCEPT_LANGUAGE="ta").content.decode())
    assert "இந்தக் கடவுச்சொல்லில் எண்கள் மட்டுமே உள்ளன." in refused
    assert "This password" not in refused
