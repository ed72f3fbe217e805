"""The client's pages, one module per topic: ``replies`` (the links in
messages), ``booking`` (the booking flow), ``managing`` (the manage link)
and ``account`` (the client's account)."""
