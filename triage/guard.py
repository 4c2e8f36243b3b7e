"""The loop guard: is this mail from a person, and may we answer it automatically?

Implements MAIL_CONVENTIONS.md §1 in its order. ``rule`` names the first rule that
fires. ``kind`` is the most specific classification among all rules that fire, because
what the daemon does next depends on it: a DSN usually also carries
``Auto-Submitted: auto-replied`` (rule 1) but must still be handled as a bounce (link to
the request, mark the recipient undeliverable), and our own mail coming back carries
our own Auto-Submitted/Precedence headers but is best reported as ``own``. Priority:
own > bounce > out_of_office > auto_reply > list > no_reply. ``detail`` lists the
evidence of every rule that fired.

Out-of-office by subject alone ("Out of Office", "自動応答:", "不在:", "Automatic reply:")
does NOT make a mail automated: people write such subjects too ("不在時の対応について"),
and dropping a person's mail is worse than classifying an auto-reply. A subject match
only sets ``kind=out_of_office`` when some header rule has already fired; otherwise the
mail stays human with detail "ooo-subject", and may_auto_reply() returns False for it,
so two badly-headered autoresponders can never ping-pong through us.

Pure functions over ParsedMessage; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from triage.records import GuardVerdict, ParsedMessage

__all__ = ["check", "may_auto_reply", "LOOP_HEADER"]

LOOP_HEADER = "x-triage-loop"

_PRECEDENCE = {"bulk": "list", "junk": "list", "list": "list", "auto_reply": "auto_reply"}
_VENDOR_HEADERS = (
    "x-autoreply",
    "x-autorespond",
    "x-autoreply-from",
    "x-mail-autoreply",
    "x-fc-machinegenerated",
)
_LIST_HEADERS = (
    "list-id",
    "list-unsubscribe",
    "list-post",
    "list-help",
    "list-subscribe",
    "list-owner",
    "list-archive",
    "mailing-list",
    "x-mailing-list",
)
_FALSE_VALUES = frozenset({"no", "false", "0", "off"})
_BOUNCE_LOCAL = re.compile(r"^(?:mailer-daemon|postmaster)$", re.IGNORECASE)
_NO_REPLY_LOCAL = re.compile(
    r"^(?:mailer-daemon|postmaster|abuse|root|no-?reply.*|do-?not-?reply.*|donotreply.*)$",
    re.IGNORECASE,
)
_OOO_SUBJECT = re.compile(
    r"""^\s*(?:
        (?:automatic\s+reply|auto(?:matic)?[\s-]?reply|autoreply|auto[\s-]?response|
           out\s+of\s+(?:the\s+)?office(?:\s+auto[\s-]?reply)?|abwesenheitsnotiz|
           automatische\s+antwort|r[ée]ponse\s+automatique|risposta\s+automatica|
           respuesta\s+autom[áa]tica|自動応答|自動返信|不在通知|不在のお知らせ|不在)\s*[:：]
      | \[\s*(?:auto[\s-]?reply|out\s+of\s+office|自動応答|自動返信|不在)\s*\]
      | out\s+of\s+(?:the\s+)?office\b
      | (?:自動応答|自動返信|不在通知|不在のお知らせ)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_COMMENT = re.compile(r"\([^()]*\)")
_KIND_PRIORITY = ("own", "bounce", "out_of_office", "auto_reply", "list", "no_reply")


def _token(value: str | None) -> str:
    """First token of a structured header value: comments and parameters dropped."""
    if value is None:
        return ""
    return _COMMENT.sub(" ", value).split(";", 1)[0].strip().lower()


def _local_part(addr: str) -> str:
    return addr.rsplit("@", 1)[0] if "@" in addr else addr


def _report_type(msg: ParsedMessage) -> str:
    if msg.content_type != "multipart/report":
        return ""
    match = re.search(r"report-type\s*=\s*\"?([\w.-]+)", msg.header("content-type") or "", re.I)
    return match.group(1).lower() if match else "unknown"


def _findings(
    msg: ParsedMessage,
    own_addresses: frozenset[str],
    loop_id: str,
    is_own_message_id: Callable[[str], bool],
) -> list[tuple[str, str, str]]:
    """Every rule that fires, in §1 order, as (rule, kind, evidence)."""
    found: list[tuple[str, str, str]] = []

    # 1. Auto-Submitted other than "no"
    auto_submitted = msg.header("auto-submitted")
    if auto_submitted is not None and _token(auto_submitted) != "no":
        kind = "out_of_office" if "vacation" in auto_submitted.lower() else "auto_reply"
        found.append(("auto-submitted", kind, f"auto-submitted={_token(auto_submitted)}"))

    # 2. Precedence / X-Precedence
    for name in ("precedence", "x-precedence"):
        token = _token(msg.header(name))
        if token in _PRECEDENCE:
            found.append(("precedence", _PRECEDENCE[token], f"{name}={token}"))
            break

    # 3. Mailing lists (List-Id, List-Unsubscribe; also the other RFC 2369 headers and
    # ezmlm's Mailing-List, which lists send without List-Id)
    for name in _LIST_HEADERS:
        if msg.header(name) is not None:
            found.append(("list", "list", name))
            break

    # 4. Bounces and other reports
    evidence = []
    return_paths = msg.headers.get("return-path", ())
    if return_paths:
        return_path = return_paths[0].strip()
        if return_path in ("<>", "", "< >"):
            evidence.append("return-path-null")
        elif _BOUNCE_LOCAL.match(_local_part(return_path.strip("<> "))):
            evidence.append("return-path-mailer-daemon")  # sendmail's rewrite of <>
    if _BOUNCE_LOCAL.match(_local_part(msg.from_addr)):
        evidence.append("from-" + _local_part(msg.from_addr).lower())
    elif not msg.from_addr and _BOUNCE_LOCAL.match(msg.from_name.strip()):
        evidence.append("from-" + msg.from_name.strip().lower())  # From: MAILER-DAEMON <>
    report_type = _report_type(msg)
    if report_type == "delivery-status" or msg.content_type == "message/delivery-status":
        evidence.append("report-delivery-status")
    if msg.header("x-failed-recipients") is not None:
        evidence.append("x-failed-recipients")
    if evidence:
        found.append(("bounce", "bounce", ",".join(evidence)))
    elif report_type:  # MDN, ARF feedback: machine-generated by definition (RFC 6522)
        found.append(("bounce", "auto_reply", f"report-{report_type}"))

    # 5. Vendor auto-reply headers
    for name in _VENDOR_HEADERS:
        value = msg.header(name)
        if value is not None and _token(value) not in _FALSE_VALUES:
            found.append(("vendor-auto-reply", "auto_reply", name))
            break
    else:
        if _token(msg.header("x-autogenerated")) == "reply":
            found.append(("vendor-auto-reply", "auto_reply", "x-autogenerated=reply"))

    # 6. Out-of-office
    if auto_submitted is not None and "vacation" in auto_submitted.lower():
        found.append(("out-of-office", "out_of_office", "auto-submitted-vacation"))
    suppress = {
        t.strip().lower() for t in (msg.header("x-auto-response-suppress") or "").split(",")
    }
    if "all" in suppress and msg.header("x-ms-exchange-inbox-rules-loop") is not None:
        found.append(("out-of-office", "out_of_office", "exchange-inbox-rules-loop"))

    # 7. Our own mail coming back
    own = []
    loop_values = [v.strip() for v in msg.headers.get(LOOP_HEADER, ())]
    if loop_id and loop_id in loop_values:
        own.append("loop-header")
    if msg.from_addr and msg.from_addr.lower() in own_addresses:
        own.append("own-address")
    if msg.message_id and loop_values and _safe(is_own_message_id, msg.message_id):
        own.append("own-message-id")  # only with a loop header: IDs alone can be forged
    if own:
        found.append(("own", "own", ",".join(own)))

    # 8. No-reply senders
    if msg.from_addr and _NO_REPLY_LOCAL.match(_local_part(msg.from_addr)):
        found.append(("no-reply", "no_reply", "from-" + _local_part(msg.from_addr).lower()))
    return found


def _safe(predicate: Callable[[str], bool], value: str) -> bool:
    """A caller's predicate that raises must not make the guard raise."""
    try:
        return bool(predicate(value))
    except Exception:  # the verdict falls back to the other evidence
        return False


def check(
    msg: ParsedMessage,
    *,
    own_addresses: frozenset[str],
    loop_id: str,
    is_own_message_id: Callable[[str], bool],
) -> GuardVerdict:
    """Classify one mail as human or automated (MAIL_CONVENTIONS §1, in order).

    ``own_addresses`` are lower-case addresses we send from; ``loop_id`` is our
    X-Triage-Loop value; ``is_own_message_id`` recognises our signed Message-IDs.
    """
    own_addresses = frozenset(a.lower() for a in own_addresses)
    found = _findings(msg, own_addresses, loop_id, is_own_message_id)
    ooo_subject = bool(_OOO_SUBJECT.search(msg.subject or ""))
    if not found:
        notes = []
        if msg.header("x-auto-response-suppress") is not None:
            notes.append("suppress-auto-response")
        if ooo_subject:
            notes.append("ooo-subject")
        return GuardVerdict(automated=False, rule="", detail=";".join(notes), kind="human")

    kinds = {kind for _rule, kind, _ev in found}
    if ooo_subject and kinds & {"auto_reply", "list", "no_reply"} and not kinds & {"own", "bounce"}:
        kinds.add("out_of_office")
    kind = next(k for k in _KIND_PRIORITY if k in kinds)
    detail = "; ".join(f"{rule}:{evidence}" for rule, _kind, evidence in found)
    if ooo_subject:
        detail += "; ooo-subject"
    return GuardVerdict(automated=True, rule=found[0][0], detail=detail, kind=kind)


def _never(_message_id: str) -> bool:
    return False


def may_auto_reply(msg: ParsedMessage, verdict: GuardVerdict | None = None) -> bool:
    """Whether the daemon may send this sender anything automatic (ack, question).

    False for automated mail, for ``X-Auto-Response-Suppress`` (the sender asked for no
    auto-replies) and for an out-of-office subject. Pass the verdict from check() so
    the own-mail rules (which need configuration) count; without it only the header
    rules are evaluated.
    """
    if verdict is None:
        verdict = check(msg, own_addresses=frozenset(), loop_id="", is_own_message_id=_never)
    if verdict.automated:
        return False
    if msg.header("x-auto-response-suppress") is not None:
        return False
    return "ooo-subject" not in verdict.detail
