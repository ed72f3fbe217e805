"""The file outbox, slowed to about 20 ms a message, so that a worker
killed by the end-to-end test is caught in the middle of a batch (and now
and then between writing a message and marking its row)."""

from __future__ import annotations

import time

from bookings.channels import FileOutbox


class SlowFileOutbox(FileOutbox):
    def send(self, message, *, key: str) -> str:
        time.sleep(0.01)
        provider_id = super().send(message, key=key)
        time.sleep(0.01)
        return provider_id
