"""Intake: assembling a report from several messages, case numbers, photos."""
