"""The clinical records' rules, a module per topic: the access log
(``audit``), and the records themselves. Every write goes through here,
in one transaction with its audit record."""
