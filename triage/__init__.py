"""triage: e-mail triage for a shared back-office inbox."""

__version__ = "0.1.0"
