"""Triggers (pure: which letters are due on a date), the nightly run that wires them, and the daemon."""
