"""Split a plain-text mail body into what the sender wrote now, quoted history, signature.

The classifier should read what the sender asks in *this* mail; quoted history and
forwarded mails are kept (as context for the context check), the signature is kept
apart because its company/TEL block would otherwise look like request details.

mail-parser-reply knows the reply headers of many European clients; it knows little
of the Japanese ones (Outlook 差出人:/送信日時:, Apple Mail "…のメール:", Thunderbird
"…さんは書きました:", "転送されたメッセージ"), so those are matched here, line by line.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from mailparser_reply import EmailMessage

__all__ = ["split_quotes", "normalize_subject", "find_refs"]

# ">" and full-width "＞", also the supercite form "name> " of old Emacs/Unix mailers
_QUOTE_PREFIX = re.compile(r"^[ \t]*(?:>|＞|[A-Za-z][\w.-]{0,19}>[ \t])")

# Lines that start a block of earlier mail: everything from here on is history.
_HARD_SEPARATOR = re.compile(
    r"""^[ \t]*(?:
        -{2,}\s*(?:Original\s+Message|Forwarded\s+message|Forwarded\s+Message|
                 元のメッセージ|転送されたメッセージ|転送メッセージ|原始邮件|原始郵件|
                 Ursprüngliche\s+Nachricht|Message\s+d'origine|Weitergeleitete\s+Nachricht)\s*-{2,}
      | _{2,}\s*(?:Original\s+Message|元のメッセージ)\s*_{2,}
      | Begin\s+forwarded\s+message\s*:
      | 転送されたメッセージ\s*[:：]
      | -{5,}\s*Original\s+Message\s*-{5,}
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

# Attribution lines ("On ... wrote:", Japanese variants). They belong to the quote
# that follows them.
_ATTRIBUTION = re.compile(
    r"""^[ \t]*(?:
        On\s.{4,}?\s?wrote\s*[:：]
      | .{0,200}?\bwrote\s*[:：]
      | .{0,200}?(?:のメール|のメッセージ|が書きました|は書きました|さんは書きました|
                  さんが書きました|wrote|より)\s*[:：]
      | \d{4}[/年.\-]\s?\d{1,2}[/月.\-]\s?\d{1,2}日?.{0,120}<[^<>\s]+@[^<>\s]+>\s*[:：]?
      | \d{4}年\d{1,2}月\d{1,2}日.{0,120}[:：]
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

# Keys of an Outlook-style header block pasted into the body.
_FROM_KEYS = r"(?:From|差出人|送信者|From\s*\(差出人\)|Von|De|Da|Van|Od|Fra|Från|Från|Od)"
_OTHER_KEYS = (
    r"(?:Sent|Date|To|Cc|Subject|送信日時|送信日|日付|日時|宛先|件名|CC|Cc|Gesendet|An|"
    r"Betreff|Envoyé|Objet|À|Enviado|Asunto|Para|Inviato|Oggetto|A|Datum|Onderwerp|Aan)"
)
_HEADER_KEY_LINE = re.compile(
    rf"^[ \t>*]*(?:{_FROM_KEYS}|{_OTHER_KEYS})[ \t*]*[:：]", re.IGNORECASE
)
_FROM_KEY_LINE = re.compile(rf"^[ \t*]*{_FROM_KEYS}[ \t*]*[:：]", re.IGNORECASE)

# Signature separators: "-- " (RFC 3676), or a line of one repeated rule character.
_SIG_DASHDASH = re.compile(r"^--[ \t]?$")
_SIG_RULE = re.compile(r"^[ \t]*(?:[-=_＿＝─━―‐~〜～*＊#＃+☆★◆◇■□●○・.]\s?){3,}[ \t]*$")
_SIG_MARKERS = re.compile(
    r"""(?:\bTEL\b|\bFAX\b|\bPhone\b|\bMobile\b|\bTel\.|\bFax\.|電話|携帯|ＴＥＬ|ＦＡＸ|
        E-?mail|Ｅメール|メール\s*[:：]|Mail\s*[:：]|https?://|www\.|
        株式会社|有限会社|合同会社|㈱|㈲|\bInc\b|\bLtd\b|\bLLC\b|\bGmbH\b|\bCo\.|\bCorp|
        〒|部\s|課\s|[\w.+-]+@[\w-]+\.[\w.-]+|\+?\d[\d\- ()]{7,}\d)""",
    re.IGNORECASE | re.VERBOSE,
)
_SENT_FROM = re.compile(
    r"^[ \t]*(?:Sent\s+from\s+my\s+\S.{0,40}|Get\s+Outlook\s+for\s+\S.{0,60}|"
    r"Sent\s+from\s+(?:Mail|Outlook)\s+for\s+\S.{0,40}|"
    r"(?:iPhone|iPad|Android|スマートフォン|スマホ)から送信.{0,20})$",
    re.IGNORECASE,
)
_MAX_SIG_LINES = 15
_ATTRIBUTION_ENDS = (":", "：", ">")  # every attribution form ends with one of these
_LIBRARY_LIMIT = 20_000
_STRONG_ATTRIBUTION = re.compile(
    r"@|wrote\s*[:：]\s*$|書きました\s*[:：]\s*$|のメール\s*[:：]\s*$|のメッセージ\s*[:：]\s*$",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _library_header_regex() -> re.Pattern[str]:
    """mail-parser-reply's reply-header pattern for all of its languages."""
    languages = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "cs", "ko", "zh", "ja"]
    return EmailMessage(text="", languages=languages).HEADER_REGEX


def _is_quoted(line: str) -> bool:
    return bool(_QUOTE_PREFIX.match(line))


def _outlook_block_at(lines: list[str], i: int) -> bool:
    """True when line i starts a pasted header block (From:/差出人: plus another key)."""
    if not _FROM_KEY_LINE.match(lines[i]):
        return False
    keys = 0
    for line in lines[i + 1 : i + 7]:
        if not line.strip():
            continue
        if _HEADER_KEY_LINE.match(line):
            keys += 1
            if keys >= 1:
                return True
        else:
            # a wrapped value (long To: list) is allowed, but not prose
            continue
    return False


def _library_hard_lines(text: str, lines: list[str]) -> set[int]:
    """Line numbers where mail-parser-reply sees a reply header (unquoted lines only)."""
    found: set[int] = set()
    text = text[:_LIBRARY_LIMIT]  # its patterns backtrack; a reply header comes early
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    for match in _library_header_regex().finditer(text):
        pos = match.start()
        # skip a leading newline the pattern may have consumed
        while pos < len(text) and text[pos] == "\n":
            pos += 1
        lo, hi = 0, len(lines) - 1
        while lo < hi:  # binary search for the line containing pos
            mid = (lo + hi + 1) // 2
            if starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        if not _is_quoted(lines[lo]):
            found.add(lo)
    return found


def _attribution_span(lines: list[str], i: int) -> int:
    """If an attribution starts at line i (possibly wrapped over two lines), its length."""
    line = lines[i]
    if len(line) > 300 or not line.strip():
        return 0
    if line.rstrip().endswith(_ATTRIBUTION_ENDS) and _ATTRIBUTION.match(line):
        return 1
    if i + 1 < len(lines) and len(line) < 200 and lines[i + 1].rstrip().endswith(_ATTRIBUTION_ENDS):
        joined = line.rstrip() + " " + lines[i + 1].strip()
        if _ATTRIBUTION.match(joined) and (
            line.lstrip().lower().startswith("on ") or re.match(r"^\s*\d{4}", line)
        ):
            return 2
    return 0


def _next_nonblank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """Split the new-text lines into (body, signature)."""
    # trailing blank lines do not count
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    for i in range(end):
        if _SIG_DASHDASH.match(lines[i]):
            return lines[:i], lines[i:end]
    for i in range(end):
        if _SENT_FROM.match(lines[i]) and end - i <= 3:
            return lines[:i], lines[i:end]
    for i in range(end):
        if not _SIG_RULE.match(lines[i]):
            continue
        block = [ln for ln in lines[i + 1 : end] if ln.strip() and not _SIG_RULE.match(ln)]
        if not block or len(lines[i + 1 : end]) > _MAX_SIG_LINES:
            continue
        if any(_SIG_MARKERS.search(ln) for ln in block) and all(len(ln) <= 120 for ln in block):
            # a name line just above a rule that closes a boxed signature stays with it
            return lines[:i], lines[i:end]
    return lines[:end], []


def split_quotes(text: str) -> tuple[str, str, str]:
    """Return (new_text, quoted_text, signature) for a plain-text body.

    ``>`` lines and their attribution go to quoted_text even when the sender writes
    between them (interleaved replies keep the new lines). A pasted header block
    (Outlook "From:/Sent:", "差出人:/送信日時:"), "-----Original Message-----" or a
    forward marker ends the new text: everything after it is quoted, including
    forwarded mail, which is context rather than junk. The signature is searched in the
    new text only.
    """
    if not text:
        return "", "", ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    first_hard = next(
        (
            i
            for i, line in enumerate(lines)
            if _HARD_SEPARATOR.match(line) or _outlook_block_at(lines, i)
        ),
        len(lines),
    )
    library_hits = _library_hard_lines("\n".join(lines[:first_hard]), lines[:first_hard])

    new: list[str] = []
    quoted: list[str] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if _is_quoted(line):
            quoted.append(line)
            i += 1
            continue
        if _HARD_SEPARATOR.match(line) or _outlook_block_at(lines, i):
            quoted.extend(lines[i:])
            break
        span = _attribution_span(lines, i)
        if span:
            j = _next_nonblank(lines, i + span)
            if j < n and _is_quoted(lines[j]):
                # soft: the attribution belongs to the > block that follows
                quoted.extend(lines[i:j])
                i = j
                continue
            if _STRONG_ATTRIBUTION.search(" ".join(lines[i : i + span])):
                # top-posting client that does not prefix the history: the rest is quoted
                quoted.extend(lines[i:])
                break
        if i in library_hits:
            quoted.extend(lines[i:])
            break
        new.append(line)
        i += 1

    body, signature = _split_signature(new)
    while body and (not body[-1].strip() or _SIG_RULE.match(body[-1])):
        body.pop()  # a rule left above a header block or signature is not content
    return (
        "\n".join(body).strip("\n"),
        "\n".join(quoted).strip("\n"),
        "\n".join(signature).strip("\n"),
    )


_SUBJECT_PREFIX = re.compile(
    r"""^[ \t]*(?:
        (?:re|fw|fwd|aw|wg|sv|vs|antw|tr|rif|答复|回复|转发)
        (?:\s*\[\d+\]|\s*\(\d+\)|\^\d+)?\s*[:：]
      | (?:転送|返信|回答|Ｒｅ|ＲＥ|Ｆｗ|ＦＷ|Ｆｗｄ)\s*[:：]
      | \[(?:fwd?|re)\s*[:：]?\s*\]
    )\s*""",
    re.IGNORECASE | re.VERBOSE,
)
_REQ_TAG = re.compile(r"\[\s*REQ-\d+\s*\]\s*", re.IGNORECASE)


def normalize_subject(subject: str, *, strip_tags: bool = False) -> str:
    """Subject without reply/forward prefixes (Re:, RE：, Fwd:, AW:, Re[2]:, 転送:, 返信: ...).

    Prefixes are removed repeatedly ("Re: Fwd: RE: x" -> "x"); whitespace is collapsed.
    With ``strip_tags`` our ``[REQ-n]`` tags are removed too, for comparing a reply's
    subject with the original one.
    """
    s = " ".join((subject or "").split())
    while True:
        if strip_tags:
            s = _REQ_TAG.sub("", s, count=0).strip()
        stripped = _SUBJECT_PREFIX.sub("", s, count=1)
        if stripped == s:
            return s.strip()
        s = stripped


_REF = re.compile(
    r"(?<![A-Za-z0-9])[RＲrｒ][EＥeｅ][QＱqｑ][-‐－―ー_＿]([0-9０-９]{3,12})(?![0-9０-９])"
)


def find_refs(text: str) -> list[str]:
    """Request references (REQ-000123) in text, normalised to ASCII upper case.

    Each reference appears once, at the position of its *last* occurrence, so
    ``refs[-1]`` is the last reference in the text (the one MAIL_CONVENTIONS §3 uses).
    """
    last: dict[str, int] = {}
    for pos, match in enumerate(_REF.finditer(text or "")):
        ref = "REQ-" + unicodedata.normalize("NFKC", match.group(1))
        last[ref] = pos
    return sorted(last, key=last.__getitem__)
