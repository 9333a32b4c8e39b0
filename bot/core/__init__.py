"""Infrastructure every layer may use: the unit of work's after-commit hook, signing, text normalising."""
