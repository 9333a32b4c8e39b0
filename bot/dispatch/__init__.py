"""Dispatch: the case state machine, routing, deadlines and escalation."""
