"""Messages to clients in the staff panel: every notification with its
state, the failed ones to send again, and each appointment's own on its
page. Nobody adds, edits or removes a row here: the booking services plan
them and the dispatcher marks them; the one thing staff do is "send again"
(``bookings.outbox.retry``), which the front desk may
(``bookings.policies.may_retry_messages``). Who sees which rows is
``bookings.policies.visible_notifications``."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bookings import outbox, policies, selectors
from bookings.errors import BookingError
from bookings.models import Notification

State = Notification.State


@admin.display(description=_("due (local time)"), ordering="due_at")
def _due_local(modeladmin, notification: Notification) -> str:
    return notification.appointment.local(notification.due_at)


@admin.display(description=_("sent (local time)"), ordering="sent_at")
def _sent_local(modeladmin, notification: Notification) -> str:
    return notification.appointment.local(notification.sent_at) if notification.sent_at else "—"


@admin.display(description=_("client's answer"), ordering="answered_at")
def _answer(modeladmin, notification: Notification) -> str:
    if notification.answered_at is None:
        return "—"
    return f"{notification.answer} ({notification.appointment.local(notification.answered_at)})"


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NotificationInline(ReadOnly, admin.TabularInline):
    """The appointment's messages on its page."""

    model = Notification
    fk_name = "appointment"
    extra = 0
    fields = ["kind", "channel", "due_local", "state", "attempts", "last_error", "sent_local", "answer_given"]
    readonly_fields = fields
    verbose_name_plural = _("messages to the client")

    due_local, sent_local, answer_given = _due_local, _sent_local, _answer

    def get_queryset(self, request):
        return policies.visible_notifications(
            request.user, super().get_queryset(request).select_related("appointment__location"))


@admin.register(Notification)
class NotificationAdmin(ReadOnly, admin.ModelAdmin):
    change_list_template = "admin/bookings/notification/change_list.html"
    list_display = ["appointment_link", "client", "kind", "channel", "due_local", "state", "attempts", "last_error"]
    list_filter = ["state", "kind", "channel"]
    search_fields = ["appointment__client__full_name", "appointment__client__phone", "appointment__client__email"]
    date_hierarchy = "due_at"
    fields = ["appointment_link", "client", "kind", "channel", "state", "due_local", "not_before", "attempts",
              "last_error", "sent_local", "provider_id", "fallback_of", "answer_given", "created_at"]
    readonly_fields = fields
    actions = ["retry_failed"]

    due_local, sent_local, answer_given = _due_local, _sent_local, _answer

    def get_queryset(self, request):
        return policies.visible_notifications(request.user, selectors.notifications(super().get_queryset(request)))

    def has_retry_permission(self, request) -> bool:
        return self.has_view_permission(request) and policies.may_retry_messages(request.user)

    @admin.display(description=_("appointment"), ordering="appointment__start")
    def appointment_link(self, notification: Notification) -> str:
        appointment = notification.appointment
        url = reverse("admin:bookings_appointment_change", args=[appointment.pk])
        return format_html('<a href="{}">{} · {}</a>', url, appointment.local(appointment.start),
                           appointment.service.name)

    @admin.display(description=_("client"), ordering="appointment__client__full_name")
    def client(self, notification: Notification) -> str:
        return notification.appointment.client.full_name

    @admin.action(description=_("Send the selected failed messages again"), permissions=["retry"])
    def retry_failed(self, request, queryset):
        done = 0
        for notification in queryset:
            try:
                outbox.retry(notification=notification, actor=request.user)
                done += 1
            except BookingError as error:
                self.message_user(request, f"{notification}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, _("%(count)d message(s) will be sent again.") % {"count": done})

    def changelist_view(self, request, extra_context=None):
        failed = self.get_queryset(request).filter(state=State.FAILED).count()
        url = reverse("admin:bookings_notification_changelist") + f"?state__exact={State.FAILED}"
        return super().changelist_view(request, {**(extra_context or {}), "failed_count": failed,
                                                 "failed_url": url})
