"""The package's one exception tree, grouped by what the caller does next.

- ConfigError: the operator must fix something; the daemon refuses to start (exit 2).
- TransientError: retry with capped backoff; the loop survives (network, locks).
- MessageError: this one message cannot be processed; quarantine it and go on.
Third-party errors are translated into these at the seam that calls the library.
"""

from __future__ import annotations


class TriageError(Exception):
    """Base of every error raised on purpose by triage."""


class ConfigError(TriageError):
    """Bad or missing configuration; carries every problem found, not just the first."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class TransientError(TriageError):
    """A failure that may go away on retry (server down, connection dropped)."""


class MailboxError(TransientError):
    """IMAP connection or protocol trouble."""


class SmtpError(TransientError):
    """The SMTP server did not accept a mail right now."""

    #: Retrying the same mail will not help (5xx); subclasses set it per failure.
    permanent: bool = False


class StoreError(TriageError):
    """The database refused an operation in a way a retry will not fix."""


class MessageError(TriageError):
    """One message cannot be processed; it is quarantined with a reason code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class ModelError(TriageError):
    """A model artefact is missing, corrupt, or does not match this installation."""


class DataError(TriageError):
    """A labelled data file is malformed (bad JSON, unknown label, missing field)."""
