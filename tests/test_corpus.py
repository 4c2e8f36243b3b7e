"""parse() + guard.check() over every message of the shared corpus (../shared/corpus).

Each file must either parse or raise MessageError (quarantine); nothing else may escape.
For messages declared in a Japanese charset (MANIFEST.tsv ``charsets``) whose source
bytes are valid (every text part decodes strictly in its declared charset family), the
decoded text must contain no U+FFFD. The corpus is read, never copied; when it is
missing the tests are skipped with the reason.
"""

from __future__ import annotations

import csv
import email
from email import policy
from pathlib import Path

import pytest

from triage.errors import MessageError
from triage.guard import check
from triage.parsing import parse
from triage.parsing.charsets import jis_to_sjis
from triage.parsing.quotes import split_quotes
from triage.records import GuardVerdict

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
JAPANESE = frozenset(
    {
        "iso-2022-jp",
        "iso-2022-jp-1",
        "iso-2022-jp-2",
        "iso-2022-jp-3",
        "csiso2022jp",
        "shift_jis",
        "shift-jis",
        "sjis",
        "x-sjis",
        "ms_kanji",
        "csshiftjis",
        "windows-31j",
        "cp932",
        "x-ms-cp932",
        "euc-jp",
        "x-euc-jp",
        "eucjp",
        "cseucpkdfmtjapanese",
    }
)
JAPANESE_CODECS = (
    "iso2022_jp",
    "iso2022_jp_ext",
    "iso2022_jp_2",
    "iso2022_jp_2004",
    "cp932",
    "shift_jis_2004",
    "euc_jp",
    "euc_jis_2004",
)
KINDS = {"human", "auto_reply", "out_of_office", "bounce", "list", "own", "no_reply"}


def _manifest() -> dict[str, dict[str, str]]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        return {row["path"]: row for row in csv.DictReader(fh, delimiter="\t")}


def _files() -> list:
    if not CORPUS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"corpus not found at {CORPUS}"))]
    files = [
        p
        for p in sorted(CORPUS.rglob("*"))
        if p.is_file()
        and "_body_only" not in p.relative_to(CORPUS).parts
        and p.suffix not in (".tsv", ".md")
    ]
    return [pytest.param(p, id=str(p.relative_to(CORPUS))) for p in files]


def _body_only_files() -> list:
    folder = CORPUS / "_body_only"
    if not folder.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"corpus not found at {CORPUS}"))]
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".md"]
    return [pytest.param(p, id=str(p.relative_to(CORPUS))) for p in files]


def _assert_split_keeps_every_line(text: str) -> None:
    """split_quotes only sorts lines; it may drop blank and rule-only lines, nothing else."""
    new, quoted, signature = split_quotes(text)
    kept = set("\n".join((new, quoted, signature)).split("\n"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lost = [
        line
        for line in text.split("\n")
        if line.strip() and line not in kept and not _rule_only(line)
    ]
    assert not lost, f"lines lost by split_quotes: {lost[:3]!r}"


def _rule_only(line: str) -> bool:
    stripped = line.strip()
    return len(set(stripped.replace(" ", ""))) == 1 and len(stripped) >= 3


MANIFEST = _manifest() if (CORPUS / "MANIFEST.tsv").is_file() else {}


def _declared_japanese(path: Path) -> bool:
    row = MANIFEST.get(str(path.relative_to(CORPUS)), {})
    return any(c.strip().lower() in JAPANESE for c in row.get("charsets", "").split(","))


def _valid_in(data: bytes, charset: str) -> bool:
    """Whether bytes decode strictly in their declared charset (family, for Japanese)."""
    label = charset.strip().lower()
    codecs_ = JAPANESE_CODECS if label in JAPANESE else (label, "utf-8")
    for codec in codecs_:
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        return "\ufffd" not in text  # replacement characters already in the source
    if label in JAPANESE:
        try:
            return "\ufffd" not in jis_to_sjis(data).decode("cp932")
        except UnicodeDecodeError:
            return False
    return False


def _source_is_valid(raw: bytes) -> bool:
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        try:
            charset = part.get_content_charset() or "us-ascii"
        except Exception:  # unparseable parameter: the source is not valid
            return False
        if not _valid_in(data, charset):
            return False
    return True


@pytest.mark.parametrize("path", _files())
def test_corpus_message(path: Path) -> None:
    raw = path.read_bytes()
    try:
        msg = parse(raw)
    except MessageError as exc:  # quarantined with a reason code: acceptable
        assert exc.reason in {"empty", "not-a-message", "no-headers", "parse-error"}
        return
    verdict = check(
        msg,
        own_addresses=frozenset({"support@example.com"}),
        loop_id="corpus-test",
        is_own_message_id=lambda mid: mid.endswith("@triage.invalid>"),
    )
    assert isinstance(verdict, GuardVerdict) and verdict.kind in KINDS
    assert msg.date is None or msg.date.tzinfo is not None
    assert msg.message_id is None or (
        msg.message_id.startswith("<") and msg.message_id.endswith(">")
    )
    assert msg.from_addr == msg.from_addr.lower()
    assert msg.lang in ("ja", "en")
    _assert_split_keeps_every_line(msg.text)
    if _declared_japanese(path) and _source_is_valid(raw):
        for field in ("subject", "text", "quoted_text"):
            value = getattr(msg, field)
            assert "\ufffd" not in value, (
                f"U+FFFD in {field}: {value[max(0, value.find(chr(0xFFFD)) - 40) :][:80]!r}"
            )


@pytest.mark.parametrize("path", _body_only_files())
def test_corpus_body_only_quote_split(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "replace")
    _assert_split_keeps_every_line(text)
