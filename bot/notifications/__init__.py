"""Telling people: who follows a case, notifications queued as data, rendered into words when sent."""
