"""The client's pages: ``replies`` (the links in messages); the booking
pages and the client's account join them here, each in its own module."""

from bookings.views.replies import LinkProblem, open_link, problem_page, render_reply, reply, used_page

__all__ = ["LinkProblem", "open_link", "problem_page", "render_reply", "reply", "used_page"]
