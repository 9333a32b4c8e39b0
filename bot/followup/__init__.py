"""Closing the loop with residents: pushes, the 48-hour window, ratings, reopening, duplicates, privacy."""
