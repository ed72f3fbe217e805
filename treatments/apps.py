from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "treatments"
    verbose_name = "Treatments"

    def ready(self) -> None:
        # A booking for a client with an uncleared flag that stops treatment
        # waits for review; the booking core asks its screening list, and
        # the records answer from here (the core never imports them).
        from bookings import screening
        from treatments.services.intake import has_intake, record_visitor_answers, review_reason

        screening.register(review_reason)
        # The booking pages ask a client with no questionnaire on file for one.
        screening.register_intake_check(has_intake)
        # A visitor answers it with their first booking, saved in its transaction.
        screening.register_visitor_intake(record_visitor_answers)
