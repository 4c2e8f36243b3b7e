"""The `customer` (sales_support) and `counterparty` (legal) slots: a named organisation.

Company names are recognised by their legal forms and honorifics (株式会社X, X社, X様,
Inc./Ltd./GmbH/Pte), by a reference that identifies the account (受注番号, order no.),
and in English by capitalised names after a role word or preposition. Generic words
(顧客, 先方, the customer) do not name anyone. Names that also appear in the sender's
signature are the sender's own organisation and do not count.
"""

from __future__ import annotations

import re

from triage.context.base import attachment_finding, found, missing, snippet
from triage.context.view import View
from triage.records import SlotFinding

_JA_NAME = r"[\u30a0-\u30ffー\u4e00-\u9fffA-Za-z0-9&・\.]{1,16}?"
_JA_NAME_GREEDY = r"[\u30a0-\u30ffー\u4e00-\u9fffA-Za-z0-9&・\.]{1,16}"
_NOT_COMPANY = (
    "弊社|当社|御社|貴社|各社|他社|本社|自社|同社|子会社|親会社|会社|商社|入社|出社|退社|帰社|来社|"
    "全社|支社|神社|両社|新社|関係会社|グループ会社|協力会社|取引先各社|1社|2社|3社|数社|他の会社"
)
_BAD_SAMA = re.compile(
    r"(?:担当者?|ご担当|皆|各位|お客|客|先方|関係者|部長|課長|係長|社長|主任|人事部|経理部|総務部|法務部|"
    r"情報システム部|購買部|営業部|部|課|室|チーム|センター|グループ|御中|皆さん|みな)$"
)
_JA_COMPANY = re.compile(
    rf"(?:株式会社|有限会社|合同会社|\(株\)|\(有\)|㈱)\s?{_JA_NAME_GREEDY}|"
    rf"{_JA_NAME}(?:株式会社|\(株\)|㈱|ホールディングス|グループ|工業|製作所|商事|電機|電子|精機|"
    rf"化学|産業|物産|銀行|病院|大学|建設|製薬|自動車|重工|物流|運輸|商会|興業|技研|製作|"
    rf"システムズ|テクノロジー|エンジニアリング)|"
    rf"(?<![\u30a0-\u30ffー\u4e00-\u9fff])(?P<sha>{_JA_NAME_GREEDY})社(?![員長内外長会])|"
    rf"(?P<sama>{_JA_NAME_GREEDY})(?:様(?![式子々相])|御中)"
)
_WORD_SAMA = re.compile(r"[仕同多模異有左皆貴奥神王殿]$")
_EN_SUFFIX = (
    r"Inc\.?|Ltd\.?|LLC|L\.L\.C\.|GmbH|AG|Pte\.?(?:\s+Ltd\.?)?|Co\.?,?\s*Ltd\.?|Co\.|Corp\.?|"
    r"Corporation|Limited|plc|PLC|S\.A\.|SA|B\.V\.|BV|Bhd|Sdn\.? Bhd\.?|KK|K\.K\.|"
    r"Group|Holdings|Industries|Technologies|Electronics|Manufacturing|Pharma|Healthcare|"
    r"Hospital|University|Bank|Logistics|Trading|Engineering|Motors|Chemicals|Foods|Medical|"
    r"Solutions|Partners|Systems|Labs|AB|SE|S\.p\.A\.|SpA|Oy|NV|Pty"
)
_CAP = r"[A-Z][A-Za-z0-9&'\-]+"
_EN_COMPANY = re.compile(
    rf"\b(?:{_CAP}\s+){{0,3}}{_CAP},?\s+(?:{_EN_SUFFIX})(?![A-Za-z])|"
    rf"\b(?:customer|client|account|distributor|dealer|partner|counterparty|vendor|supplier|"
    rf"buyer|licensee|licensor|end user|prospect)s?\s*(?:name)"
    rf"?\s*[:,(]?\s*(?P<role>(?:{_CAP}\s?){{1,4}})|"
    rf"\b(?:with|for|from|at|by|to|of|and|between)\s+(?P<prep>{_CAP}(?:\s+{_CAP}){{1,3}})|"
    rf"\b(?P<acr>[A-Z]{{3,}}(?:\s+[A-Z][a-z]+)?)'s\b"
)
_EN_NOT_ORG = re.compile(
    r"^(?:The|This|That|Our|My|Your|Their|His|Her|We|I|Please|Thanks|Hi|Hello|Dear|Monday|Tuesday|"
    r"Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|"
    r"August|September|October|November|December|Mr|Ms|Mrs|Dr|Sales|Legal|Accounting|Finance|"
    r"Procurement|HR|IT|General|Team|Office|Tokyo|Osaka|Nagoya|Singapore|Japan|Germany|China|"
    r"Thailand|Vietnam|UK|US|USA|EU|Europe|Asia|APAC|EMEA|Q[1-4]|FY|SAP|Salesforce|Microsoft|"
    r"Office|Teams|Outlook|Excel|Box|Zoom|Slack|Google|Windows|DocuSign|Adobe|NDA|MSA|PO|SOW|"
    r"Order|Contract|Agreement|Quote|Invoice|Section|Clause|Article|Exhibit|Annex|Schedule|"
    r"Best|Kind|Regards|Thank|Could|Can|Would|Will|Let|Also|Just|Attached|See|Re|Fw|Fwd)\b"
)
_SIG_CAPS = re.compile(rf"{_CAP}(?:\s+{_CAP})+")
_REFERENCE = re.compile(
    r"(?:受注番号|注文番号|契約番号|案件番号|顧客(?:コード|番号|ID)|取引先(?:コード|番号)|得意先(?:コード)?|"
    r"order (?:no\.?|number|#|ref)|contract (?:no\.?|number|#)|account (?:no\.?|number|id|#)|"
    r"customer (?:id|no\.?|number|code|#)|\bSO[#\- ]?\d{3,}|\bSO-\d{2}-\d+|\bCN-\d+|"
    r"見積番号|quot(?:e|ation) (?:no\.?|number|#|ref)|\bQ-\d{2,4}-\d+)"
    r"\s*[:：#]?\s*[A-Z0-9][A-Z0-9\-]{2,}",
    re.IGNORECASE,
)


_CAP_SEQ = re.compile(r"\b[A-Z][A-Za-z0-9&\-]*(?:\s+(?:&\s+)?[A-Z][A-Za-z0-9&\-]*)+")
_STOP_LEAD = re.compile(
    r"^(?:(?:Hi|Hello|Dear|Good|Morning|Afternoon|Please|Could|Can|Would|Thanks|Thank|The|This|That|"
    r"Our|My|We|I|Re|Fw|Fwd|Also|And|But|So|If|When|Team|All|Just|PS|FYI|Urgent|URGENT|ASAP|Hey)\s+)+"
)


def _cap_names(text: str) -> list[tuple[str, int, int]]:
    """Capitalised multi-word names in running English text (Redfern Dairy Co-op)."""
    out = []
    for m in _CAP_SEQ.finditer(text):
        name = _STOP_LEAD.sub("", m.group(0))
        words = name.split()
        if len(words) < 2 or _EN_NOT_ORG.match(name) or name.isupper():
            continue
        if any(_EN_NOT_ORG.match(w) for w in words[1:]):
            continue
        out.append((name, m.end() - len(name), m.end()))
    return out


def _org_names(text: str, lang: str) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for m in _JA_COMPANY.finditer(text):
        name = m.group(0)
        if m.group("sha") is not None:
            sha = m.group("sha")
            if re.search(rf"(?:{_NOT_COMPANY})$", sha + "社") or sha.isdigit():
                continue
        if m.group("sama") is not None:
            sama = m.group("sama")
            if _BAD_SAMA.search(sama) or len(sama) < 2 or _WORD_SAMA.search(sama):
                continue
        out.append((name, m.start(), m.end()))
    for m in _EN_COMPANY.finditer(text):
        name = m.group("role") or m.group("prep") or m.group("acr") or m.group(0)
        name = name.strip()
        if not name or _EN_NOT_ORG.match(name):
            continue
        out.append((name, m.start(), m.end()))
    if lang != "ja":
        out.extend(_cap_names(text))
    return sorted(out, key=lambda x: x[1])


def _own_names(view: View) -> set[str]:
    key = "own_orgs"
    if key not in view.cache:
        own = {n for n, _s, _e in _org_names(view.signature, view.lang)}
        own |= {m.group(0) for m in _SIG_CAPS.finditer(view.signature)}
        view.cache[key] = own
    return view.cache[key]  # type: ignore[return-value]


def _salutation(text: str, start: int, end: int) -> bool:
    """"法務部 三好様" alone on the first line: whom the mail is to, not a party to the matter."""
    first_line = len(text) - len(text.lstrip())
    return "\n" not in text[first_line:start] and not text[end:].split("\n", 1)[0].strip()


def _find_org(slot: str, view: View) -> SlotFinding | None:
    own = _own_names(view)
    for part in view.parts:
        for name, s, e in _org_names(part.text, view.lang):
            if name in own or any(name in o or o in name for o in own if len(o) >= 3):
                continue
            if part.source == "body" and _salutation(part.text, s, e):
                continue
            return found(slot, snippet(part.text, s, e, pad=4), part.source)
        m = _REFERENCE.search(part.text)
        if m:
            return found(slot, m.group(0), part.source)
    return None


def detect_customer(view: View) -> SlotFinding:
    return _find_org("customer", view) or missing("customer")


_COUNTERPARTY_PHRASE = re.compile(
    r"(?:相手方|契約相手|契約先|取引先)\s*[:：は]\s*\S{2,}|"
    r"\b(?:NDA|agreement|contract|MSA|SOW|DPA) (?:with|between)\s+(?:us and\s+)?"
    r"(?!(?-i:The|Their|Our|Its|This|That|These|Those|A|An)\b)(?-i:[A-Z][\w&\-]+)",
    re.IGNORECASE,
)


def detect_counterparty(view: View) -> SlotFinding:
    f = _find_org("counterparty", view)
    if f is not None:
        return f
    for part in view.parts:
        m = _COUNTERPARTY_PHRASE.search(part.text)
        if m:
            return found("counterparty", m.group(0), part.source)
    return attachment_finding("counterparty", view, ("contract",)) or missing("counterparty")
