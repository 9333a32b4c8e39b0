"""HTTP edges that WeChat calls: verify, record, answer fast. No business rules here."""
