"""Turn the bytes of one MIME part (or header) into text, whatever its label says.

Japanese mail is where the open-source helpdesks fail (MAIL_CONVENTIONS §5): Outlook
labels CP932 text as ISO-2022-JP (NEC row 13 ①, №, ㈱; IBM extensions), phones send
Shift_JIS labelled as something else, old tools send 7-bit JIS with no charset at all.
So the declared charset is a hint: we decode strictly, and on failure try the family's
supersets, then what the bytes look like, then charset-normalizer, and only then
replace undecodable bytes. Every step away from the label is reported as a note
(e.g. "charset-fallback:cp932") so the caller can record it as a defect.

Pure functions; this is the only module that imports charset-normalizer.
"""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes

__all__ = ["decode_bytes", "jis_to_sjis", "normalize_charset", "JAPANESE_CHARSETS"]

log = logging.getLogger(__name__)

# Declared names (lower case) that mean "some Japanese legacy encoding".
JAPANESE_CHARSETS = frozenset(
    {
        "iso-2022-jp",
        "iso2022jp",
        "iso-2022-jp-1",
        "iso-2022-jp-2",
        "iso-2022-jp-3",
        "iso-2022-jp-2004",
        "iso-2022-jp-ms",
        "csiso2022jp",
        "iso2022_jp",
        "jis",
        "x-jis",
        "shift_jis",
        "shift-jis",
        "sjis",
        "x-sjis",
        "s-jis",
        "shiftjis",
        "ms_kanji",
        "csshiftjis",
        "windows-31j",
        "cp932",
        "x-ms-cp932",
        "ms932",
        "shift_jis_2004",
        "euc-jp",
        "eucjp",
        "x-euc-jp",
        "euc_jp",
        "cseucpkdfmtjapanese",
        "ujis",
        "x-eucjp",
        "eucjp-ms",
        "euc-jis-2004",
        "cp51932",
    }
)

_ALIASES = {
    # Japanese families (see _decode_japanese)
    **{
        name: "jis"
        for name in JAPANESE_CHARSETS
        if "2022" in name or "jis" == name or name == "x-jis"
    },
    **{
        name: "sjis"
        for name in JAPANESE_CHARSETS
        if "sjis" in name
        or "shift" in name
        or name in {"ms_kanji", "windows-31j", "cp932", "x-ms-cp932", "ms932"}
    },
    **{name: "euc" for name in JAPANESE_CHARSETS if "euc" in name or name in {"ujis", "cp51932"}},
    # Web practice: these labels are decoded as their Windows supersets
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "iso-8859-9": "cp1254",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "korean": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode-2-0-utf-7": "utf-7",
    "utf8": "utf-8",
    "uft-8": "utf-8",
    "x-user-defined": "cp1252",
    "x-mac-cyrillic": "mac-cyrillic",
    "unknown-8bit": "",
    "x-unknown": "",
    "unknown": "",
    "default": "",
    "none": "",
    "charset": "",
    "us-askey": "ascii",
}

# The same JIS code decodes differently in Python's JIS codecs and cp932 (the famous
# wave dash: U+301C vs U+FF5E). Japanese text is made consistent whichever path decoded
# it: the wave dash takes its JIS form 〜 (what Macs and phones send in UTF-8); the
# other three take the cp932 forms, which NFKC folds to ASCII for downstream matching
# (－ -> "-" in phone numbers and REQ-000123).
_JIS_UNIFY = str.maketrans(
    {"\uff5e": "\u301c", "\u2016": "\u2225", "\u2212": "\uff0d", "\u00ac": "\uffe2"}
)
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\uff66-\uff9f]")
_ESC_JIS = re.compile(rb"\x1b\$[@B]|\x1b\$\(D|\x1b\(I")
_DETECT_LIMIT = 64 * 1024


def normalize_charset(declared: str | None) -> str:
    """Lower-case, unquoted charset label with our aliases applied ("" when unusable)."""
    if not declared:
        return ""
    name = declared.strip().strip("\"'").strip().lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: iso-2022-jp*ja
    name = re.split(r"[\s;]", name, maxsplit=1)[0] if name else name
    if name.startswith("charset="):
        name = name[len("charset=") :].strip("\"'")
    if name in _ALIASES:
        return _ALIASES[name]
    return name


def _cp932_defined(s1: int, s2: int) -> bool:
    try:
        bytes((s1, s2)).decode("cp932")
    except UnicodeDecodeError:
        return False
    return True


def jis_to_sjis(data: bytes) -> bytes:
    """Re-encode 7-bit ISO-2022-JP as Shift_JIS so that cp932 can decode it.

    Python's iso2022_jp codecs reject the Microsoft extensions (NEC row 13, IBM
    extensions) that Outlook sends under that label; cp932 knows them. Half-width katakana
    (ESC ( I and SO/SI) are mapped too. Each line starts in ASCII, which rescues mailers
    that forget the closing ESC ( B.
    """
    out = bytearray()
    mode = "ascii"
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == 0x1B:
            seq = data[i + 1 : i + 4]
            if seq[:2] in (b"$B", b"$@"):
                mode, i = "kanji", i + 3
                continue
            if seq[:3] in (b"$(Q", b"$(O", b"$(B"):
                mode, i = "kanji", i + 4
                continue
            if seq[:3] in (b"$(D", b"$(P"):
                mode, i = "x0212", i + 4
                continue
            if seq[:2] in (b"(B", b"(J", b"(H"):
                mode, i = "ascii", i + 3
                continue
            if seq[:2] == b"(I":
                mode, i = "kana", i + 3
                continue
            out.append(b)
            i += 1
            continue
        if b == 0x0E:  # SO: half-width katakana
            mode, i = "kana", i + 1
            continue
        if b == 0x0F:  # SI
            mode, i = "ascii", i + 1
            continue
        if b in (0x0A, 0x0D):
            mode = "ascii"
            out.append(b)
            i += 1
            continue
        if (
            mode in ("kanji", "x0212")
            and 0x21 <= b <= 0x7E
            and i + 1 < n
            and 0x21 <= data[i + 1] <= 0x7E
        ):
            c1, c2 = b, data[i + 1]
            i += 2
            if mode == "x0212":
                out += b"\x81\xac"  # 〓 (geta): JIS X 0212 has no Shift_JIS form
                continue
            s1 = ((c1 + 1) >> 1) + (0x70 if c1 <= 0x5E else 0xB0)
            if c1 & 1:
                s2 = c2 + (0x1F if c2 <= 0x5F else 0x20)
            else:
                s2 = c2 + 0x7E
            if c1 >= 0x75 and not _cp932_defined(s1, s2):
                # rows 85-94 hold no cp932 character except the NEC-selected IBM
                # extensions; au (KDDI) phones put emoji there, which cp932 keeps in
                # the user-defined area 0xF340-0xF7FC (decoded to the Private Use Area)
                s1 += 0x08
            out += bytes((s1, s2))
            continue
        if mode == "kana" and 0x21 <= b <= 0x5F:
            out.append(b + 0x80)
            i += 1
            continue
        out.append(b)
        i += 1
    return bytes(out)


def _euc_to_sjis(data: bytes) -> bytes:
    """EUC-JP (eucJP-ms: NEC row 13 etc.) to Shift_JIS, via the JIS row/cell."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == 0x8E and i + 1 < n:  # half-width katakana
            out.append(data[i + 1])
            i += 2
        elif b == 0x8F and i + 2 < n:  # JIS X 0212: no Shift_JIS form
            out += b"\x81\xac"
            i += 3
        elif 0xA1 <= b <= 0xFE and i + 1 < n and 0xA1 <= data[i + 1] <= 0xFE:
            out += jis_to_sjis(b"\x1b$B" + bytes((b - 0x80, data[i + 1] - 0x80)))
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _looks_japanese(text: str) -> bool:
    """Kana among the non-ASCII characters: Shift_JIS read by mistake rarely has any."""
    non_ascii = sum(1 for ch in text if ord(ch) > 0x7F)
    if not non_ascii:
        return False
    kana = len(_KANA.findall(text))
    return kana >= 2 and kana >= 0.2 * non_ascii


def _decode_japanese(data: bytes, family: str) -> tuple[str, str | None]:
    """Decode a part labelled with a Japanese charset; note any step off the label."""
    has_esc = b"\x1b" in data
    has_8bit = not data.isascii()
    if family == "jis" or (has_esc and not has_8bit):
        if not has_8bit:
            text = _strict(data, "iso2022_jp")
            if text is not None:
                return text, None
            text = _strict(jis_to_sjis(data), "cp932")
            if text is not None:
                return text, "charset-fallback:cp932"
            for codec in ("iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004"):
                text = _strict(data, codec)
                if text is not None:
                    return text, f"charset-fallback:{codec}"
            return jis_to_sjis(data).decode("cp932", "replace"), "charset-replace:cp932"
        # 8-bit bytes under a 7-bit label: really Shift_JIS, EUC-JP or UTF-8
        for codec in ("utf-8", "cp932", "euc_jp"):
            text = _strict(jis_to_sjis(data) if codec == "cp932" and has_esc else data, codec)
            if text is not None:
                return text, f"charset-mislabel:{codec}"
    if family == "euc":
        text = _strict(data, "euc_jp")
        if text is not None:
            return text, None
        text = _strict(_euc_to_sjis(data), "cp932")
        if text is not None:
            return text, "charset-fallback:eucjp-ms"
        for codec in ("euc_jis_2004", "utf-8", "cp932"):
            text = _strict(data, codec)
            if text is not None:
                return text, f"charset-fallback:{codec}"
        return _euc_to_sjis(data).decode("cp932", "replace"), "charset-replace:eucjp-ms"
    # Shift_JIS family: cp932 is the superset everyone means
    text = _strict(data, "cp932")
    if text is not None:
        return text, None
    for codec in ("shift_jis_2004", "utf-8", "euc_jp"):
        text = _strict(data, codec)
        if text is not None:
            return text, f"charset-fallback:{codec}"
    return data.decode("cp932", "replace"), "charset-replace:cp932"


def _guess(data: bytes) -> tuple[str, str] | None:
    """What the bytes look like when the label is missing or wrong."""
    if _ESC_JIS.search(data) and data.isascii():
        text, _ = _decode_japanese(data, "jis")
        return text, "iso-2022-jp"
    as_utf8 = _strict(data, "utf-8")
    if as_utf8 is not None:
        return as_utf8, "utf-8"
    for codec in ("cp932", "euc_jp"):
        candidate = _strict(data, codec)
        if candidate is not None and _looks_japanese(candidate):
            return candidate, codec
    try:
        best = from_bytes(data[:_DETECT_LIMIT]).best()
    except Exception as exc:  # charset-normalizer is a heuristic; never let it stop us
        log.debug("charset-normalizer failed: %r", exc)
        best = None
    if best is not None and best.encoding:
        detected = _strict(data, best.encoding)
        if detected is not None:
            return detected, best.encoding
    return None


def _finish(text: str, codec: str) -> str:
    text = text.replace("\x00", "")
    if any(key in codec for key in ("jis", "932", "euc_jp", "eucjp", "euc")) and "kr" not in codec:
        text = text.translate(_JIS_UNIFY)
    return text


def decode_bytes(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Decode ``data`` labelled ``declared``; returns (text, note or None).

    Never raises. The note names the step that departed from the label:
    charset-fallback:X (a superset or sibling of the label), charset-mislabel:X (the
    bytes are something else), charset-missing:X (no label), charset-unknown:X
    (unknown label), charset-replace:X (undecodable bytes replaced by U+FFFD).
    """
    if not data:
        return "", None
    label = normalize_charset(declared)
    if label in ("jis", "sjis", "euc"):
        text, note = _decode_japanese(data, label)
        return _finish(text, note.split(":", 1)[1] if note else label), note

    has_8bit = not data.isascii()
    if not label or label == "ascii":
        if not has_8bit and not _ESC_JIS.search(data):
            return data.decode("ascii"), None
        guessed = _guess(data)
        kind = "charset-missing" if not label else "charset-mislabel"
        if guessed is not None:
            text, codec = guessed
            return _finish(text, codec), f"{kind}:{codec}"
        return data.decode("utf-8", "replace"), "charset-replace:utf-8"

    try:
        codec = codecs.lookup(label).name
    except LookupError:
        guessed = _guess(data)
        if guessed is not None:
            text, found = guessed
            return _finish(text, found), f"charset-unknown:{label[:40]}"
        return data.decode("utf-8", "replace"), f"charset-unknown:{label[:40]}"

    if codec in ("cp1252", "latin-1", "iso8859-1", "iso8859-15") and has_8bit:
        # Shift_JIS or UTF-8 labelled as Latin: a single-byte decode never fails, so look
        as_utf8 = _strict(data, "utf-8")
        if as_utf8 is not None and any(ord(ch) > 0xFF for ch in as_utf8):
            return as_utf8, "charset-mislabel:utf-8"
        as_sjis = _strict(data, "cp932")
        if as_sjis is not None and _looks_japanese(as_sjis):
            return _finish(as_sjis, "cp932"), "charset-mislabel:cp932"
    if _ESC_JIS.search(data) and not has_8bit and codec in ("ascii", "utf-8"):
        jis_text, _ = _decode_japanese(data, "jis")
        return _finish(jis_text, "jis"), "charset-mislabel:iso-2022-jp"

    exact = _strict(data, codec)
    if exact is not None:
        return _finish(exact, codec), None
    if codec == "utf-8":
        for other in ("cp932", "euc_jp", "gb18030"):
            alt = _strict(data, other)
            if alt is not None and (other != "gb18030" or not _looks_japanese(alt)):
                if other == "gb18030" or _looks_japanese(alt):
                    return _finish(alt, other), f"charset-mislabel:{other}"
    if codec == "cp1252":  # 5 bytes cp1252 leaves undefined; latin-1 has them all
        return data.decode("latin-1"), "charset-fallback:latin-1"
    guessed = _guess(data)
    if guessed is not None:
        alt, found = guessed
        return _finish(alt, found), f"charset-mislabel:{found}"
    return data.decode(codec, "replace"), f"charset-replace:{codec}"
