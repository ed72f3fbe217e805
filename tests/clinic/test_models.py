import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clinic.models import Client, Practitioner, Room, User
from tests.clinic.factories import ClientFactory, LocationFactory, PractitionerFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db


def refused_by_database(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


class TestUser:
    def test_email_is_the_login_and_is_stored_lower_case(self):
        user = User.objects.create_user("Asha.Raman@Example.COM", "s3cret-pass")
        assert user.email == "asha.raman@example.com"
        assert user.check_password("s3cret-pass")

    def test_the_same_email_in_another_case_is_refused(self):
        UserFactory(email="asha@example.com")
        refused_by_database(lambda: User.objects.create(email="ASHA@example.com"))
        with pytest.raises(ValidationError) as excinfo:
            User(email="Asha@Example.com", password="x").validate_constraints()
        assert "A login with this email address already exists." in str(excinfo.value)

    def test_superuser_needs_staff(self):
        with pytest.raises(ValueError):
            User.objects.create_superuser("boss@example.com", "pw", is_staff=False)


class TestPractitioner:
    def test_one_practitioner_per_login(self):
        practitioner = PractitionerFactory()
        refused_by_database(lambda: Practitioner.objects.create(user=practitioner.user, display_name="Twin"))
        with pytest.raises(ValidationError) as excinfo:
            Practitioner(user=practitioner.user, display_name="Twin").full_clean()
        assert "This login already belongs to a practitioner." in excinfo.value.message_dict["user"]

    def test_blank_display_name_is_refused(self):
        refused_by_database(lambda: Practitioner.objects.create(user=UserFactory(), display_name=""))


class TestClient:
    def test_one_client_record_per_login(self):
        user = UserFactory()
        ClientFactory(user=user)
        refused_by_database(lambda: Client.objects.create(user=user, full_name="Copy", phone="+919840099999"))
        with pytest.raises(ValidationError) as excinfo:
            Client(user=user, full_name="Copy", phone="+919840099999").full_clean()
        assert "This login already belongs to a client record." in excinfo.value.message_dict["user"]

    def test_many_walk_in_clients_have_no_login(self):
        ClientFactory(user=None)
        ClientFactory(user=None)
        assert Client.objects.filter(user__isnull=True).count() == 2

    def test_local_phone_numbers_are_stored_in_e164(self):
        client = Client(full_name="Meera", phone="098400 12345")
        client.full_clean()
        client.save()
        client.refresh_from_db()
        assert str(client.phone) == "+919840012345"

    def test_an_impossible_phone_number_is_refused_with_a_field_error(self):
        with pytest.raises(ValidationError) as excinfo:
            Client(full_name="Meera", phone="12").full_clean()
        assert "phone" in excinfo.value.message_dict

    def test_a_client_needs_a_phone_or_an_email(self):
        refused_by_database(lambda: Client.objects.create(full_name="Nobody", phone="", email=""))
        with pytest.raises(ValidationError) as excinfo:
            Client(full_name="Nobody").full_clean()
        assert "Give a phone number or an email address" in str(excinfo.value)

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"phone": "+919840012345", "email": "", "email_reminders": True}, "Email reminders need an email address."),
            ({"phone": "", "email": "a@example.com", "sms_reminders": True}, "SMS reminders need a phone number."),
        ],
    )
    def test_reminder_consent_needs_the_matching_contact(self, fields, message):
        refused_by_database(lambda: Client.objects.create(full_name="Consent", **fields))
        with pytest.raises(ValidationError) as excinfo:
            Client(full_name="Consent", **fields).full_clean()
        assert message in str(excinfo.value)

    def test_changes_are_kept_in_history(self):
        client = ClientFactory(full_name="Before")
        client.full_name = "After"
        client.save()
        assert [h.full_name for h in client.history.order_by("history_date")] == ["Before", "After"]


class TestPlaces:
    def test_room_names_are_unique_within_a_location(self):
        room = RoomFactory(name="Room 1")
        refused_by_database(lambda: Room.objects.create(location=room.location, name="Room 1"))
        other = LocationFactory(name="Second studio")
        assert Room.objects.create(location=other, name="Room 1").pk

    def test_location_defaults_to_the_clinic_time_zone(self):
        location = LocationFactory(name="Default zone")
        location.refresh_from_db()
        assert str(location.time_zone) == "Asia/Kolkata"

    def test_an_unknown_time_zone_is_refused(self):
        with pytest.raises(ValidationError, match="Invalid timezone 'Mars/Olympus'"):
            LocationFactory.build(name="Atlantis", time_zone="Mars/Olympus")
