"""The SMTP edge: the only module that imports smtplib.

:class:`SmtpSender` keeps one connection open across a batch of outgoing mail and
reconnects when the server dropped it. Every failure becomes :class:`SmtpSendError`
(a :class:`triage.errors.SmtpError`) with ``permanent``: True when the server said 5xx
for this mail (the outbox stops retrying it), False for 4xx, connection trouble and
anything that may succeed later. Passwords are never logged.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping, Sequence

from triage.config import SmtpConfig
from triage.errors import ConfigError, SmtpError

__all__ = ["SmtpSendError", "SmtpSender"]


class SmtpSendError(SmtpError):
    """A mail was not accepted. ``permanent``: retrying the same mail will not help.

    ``code`` is the SMTP reply code when there was one; ``refused`` maps each refused
    recipient to (code, reply); ``delivered_to`` lists recipients that did get the mail
    when the server accepted some and refused others.
    """

    def __init__(self, message: str, *, permanent: bool, code: int | None = None,
                 refused: dict[str, tuple[int, str]] | None = None,
                 delivered_to: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code
        self.refused = dict(refused or {})
        self.delivered_to = list(delivered_to)


class SmtpSender:
    """Send raw RFC 5322 bytes through one configured SMTP server."""

    def __init__(self, config: SmtpConfig, logger: logging.Logger | None = None) -> None:
        if config.tls not in ("ssl", "starttls", "none"):
            raise ConfigError(f"smtp.tls must be ssl, starttls or none, not {config.tls!r}")
        self.config = config
        self.log = logger or logging.getLogger(__name__)
        self._conn: smtplib.SMTP | None = None

    def send(self, raw: bytes, from_addr: str, to_addrs: list[str]) -> None:
        """Hand one mail to the server; returns when it accepted it for every recipient.

        A connection kept from an earlier send that turns out to be dead is replaced
        once (servers close idle sessions); a fresh connection is not retried here.
        """
        if not to_addrs:
            raise SmtpSendError("no recipients", permanent=True)
        reused = self._conn is not None
        try:
            self._send_once(raw, from_addr, to_addrs)
        except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
            self._drop()
            if not reused:
                raise _translate(exc) from exc
            self.log.info("smtp connection was closed by the server; reconnecting")
            try:
                self._send_once(raw, from_addr, to_addrs)
            except (smtplib.SMTPException, OSError) as exc2:
                self._after_failure(exc2)
                raise _translate(exc2) from exc2
        except (smtplib.SMTPException, OSError) as exc:
            self._after_failure(exc)
            raise _translate(exc) from exc

    def _send_once(self, raw: bytes, from_addr: str, to_addrs: list[str]) -> None:
        conn = self._connection()
        options = []
        if any(b > 127 for b in raw) and conn.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        if not all(a.isascii() for a in [from_addr, *to_addrs]) and conn.has_extn("smtputf8"):
            options.append("SMTPUTF8")
        refused = conn.sendmail(from_addr, to_addrs, raw, mail_options=options)
        if refused:
            delivered = [a for a in to_addrs if a not in refused]
            raise SmtpSendError(
                f"server refused {len(refused)} of {len(to_addrs)} recipients: "
                + _describe(refused), permanent=all(c >= 500 for c, _ in refused.values()),
                refused={a: (c, _decode(m)) for a, (c, m) in refused.items()},
                delivered_to=delivered)

    def _connection(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        cfg = self.config
        self.log.debug("connecting to smtp %s:%s (tls=%s)", cfg.host, cfg.port, cfg.tls)
        conn: smtplib.SMTP
        if cfg.tls == "ssl":
            conn = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout,
                                    context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        try:
            conn.ehlo_or_helo_if_needed()
            if cfg.tls == "starttls":
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if cfg.user:
                conn.login(cfg.user, cfg.password)
        except BaseException:
            _close_quietly(conn, self.log)
            raise
        self._conn = conn
        return conn

    def _after_failure(self, exc: BaseException) -> None:
        """Keep a healthy session after a refused mail; drop it after anything else."""
        if isinstance(exc, SmtpSendError | smtplib.SMTPRecipientsRefused |
                      smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
            if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421:
                self._drop()
            return
        self._drop()

    def close(self) -> None:
        """QUIT the kept session if there is one; never raises."""
        conn, self._conn = self._conn, None
        if conn is not None:
            _close_quietly(conn, self.log)

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except OSError as exc:
                self.log.debug("smtp close failed: %s", exc)

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _translate(exc: BaseException) -> SmtpSendError:
    if isinstance(exc, SmtpSendError):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = {a: (c, _decode(m)) for a, (c, m) in exc.recipients.items()}
        return SmtpSendError("server refused every recipient: " + _describe(exc.recipients),
                             permanent=all(c >= 500 for c, _ in refused.values()),
                             refused=refused)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # the operator must fix the credentials; the mail itself is fine: keep retrying it
        return SmtpSendError(f"smtp login refused ({exc.smtp_code}): {_decode(exc.smtp_error)}",
                             permanent=False, code=exc.smtp_code)
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        what = "sender refused" if isinstance(exc, smtplib.SMTPSenderRefused) else "refused"
        return SmtpSendError(f"smtp {what} ({code}): {_decode(exc.smtp_error)}",
                             permanent=500 <= code < 600, code=code)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SmtpSendError(f"smtp server lacks a needed extension: {exc}", permanent=False)
    return SmtpSendError(f"smtp failure: {type(exc).__name__}: {exc}", permanent=False)


def _describe(refused: Mapping[str, tuple[int, bytes | str]]) -> str:
    return ", ".join(f"{a} ({c} {_decode(m)})" for a, (c, m) in refused.items())


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _close_quietly(conn: smtplib.SMTP, log: logging.Logger) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError) as exc:
        log.debug("smtp QUIT failed (%s); closing", exc)
        try:
            conn.close()
        except OSError as exc2:
            log.debug("smtp close failed: %s", exc2)
