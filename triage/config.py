"""One typed configuration object, loaded from TOML and validated once.

All problems are collected and reported together (ConfigError), so an operator fixes a
file in one pass. Secrets never live in the TOML: passwords come from environment
variables or files named in it (``password_env`` / ``password_file``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ImapConfig:
    host: str = "127.0.0.1"
    port: int = 993
    tls: str = "ssl"  # ssl | starttls | none
    user: str = ""
    password: str = field(default="", repr=False)
    folder: str = "INBOX"
    processed: str = "flag"  # flag | move
    processed_folder: str = "Triaged"
    idle: bool = True
    poll_interval: float = 30.0
    idle_renew: float = 25 * 60.0
    batch_size: int = 100
    timeout: float = 30.0


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    tls: str = "none"  # ssl | starttls | none
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
