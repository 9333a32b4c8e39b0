"""Background work: RQ job functions (jobs.py) and the worker entry point with its scheduler (main.py)."""
