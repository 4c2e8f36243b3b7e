"""The `attachment` slot (accounting, legal): the document the request refers to.

Missing when nothing is attached: accounting and legal act on documents (receipt,
invoice, PO, payment advice; the contract, draft, notice or invitation to check). The
evidence names the reference ("see attached", 添付します, "I'll send it separately") or
the document the request is about.
"""

from __future__ import annotations

import re

from triage.context.base import found, missing
from triage.context.view import View
from triage.records import SlotFinding

_REFERS = re.compile(
    r"添付|別送|別途(?:送付|お送り|送り)|後ほど(?:送|お送り)|追って(?:送|お送り)|同封|"
    r"\battach(?:ed|ing|ment|ments)?\b|\benclosed?\b|\bsend (?:it |them )?separately\b|"
    r"\bwill (?:send|forward)\b|\bI'll (?:send|forward)\b|\bsee (?:the )?(?:file|document|pdf)\b|"
    r"\bhere is\b|\bhere are\b|\bplease find\b",
    re.IGNORECASE,
)
_DOCS = {
    "accounting": re.compile(
        r"領収書|レシート|請求書|インボイス|納品書|発注書|注文書|支払通知|振込明細|明細書|見積書|"
        r"証憑|\breceipts?\b|\binvoices?\b|\bpurchase order\b|\bPO\b|\bpayment advice\b|"
        r"\bremittance\b|\bstatement\b|\bbill\b|\bcredit note\b|\bdebit note\b",
        re.IGNORECASE,
    ),
    "legal": re.compile(
        r"契約書|覚書|NDA|秘密保持|ドラフト|草案|修正案|規約|約款|申込書|通知書|招待状|案文|"
        r"\bcontract\b|\bagreement\b|\bdraft\b|\bterms\b|\bnotice\b|\binvitation\b|\bredline\b|"
        r"\bletter\b|\bMSA\b|\bSOW\b|\bDPA\b|\bT&Cs?\b|\bmarkup\b",
        re.IGNORECASE,
    ),
}
_CHECK = re.compile(
    r"確認|チェック|審査|レビュー|見て|精算|処理|支払|計上|登録|払い戻|立替|\breview\b|\bcheck\b|"
    r"\blook (?:at|over)\b|\bprocess\b|\bpay\b|\breimburse|\bapprove\b|\bsign\b|\bcomments?\b",
    re.IGNORECASE,
)
_ELSEWHERE = re.compile(
    r"https?://|\\\\[\w.\-]+\\|共有フォルダ|Box\b|SharePoint|OneDrive|DocuSign|クラウドサイン|"
    r"楽楽精算|Concur|ワークフロー|workflow|uploaded|アップロード|格納|保存しました|"
    r"\bin the system\b|登録済",
    re.IGNORECASE,
)


def detect_attachment(view: View, doc_type: str = "") -> SlotFinding:
    """Accounting and legal work from documents: with none attached, one is missing.

    Both the labelled data and the eval conventions treat every accounting/legal request
    without an attachment as lacking its document; the evidence says which one.
    """
    if view.attachments:
        return found("attachment", view.attachments[0], "attachment")
    own = view.own_text
    ref = _REFERS.search(own)
    if ref:
        return missing("attachment", ref.group(0))
    docs = _DOCS.get(doc_type)
    d = docs.search(own) if docs is not None else None
    return missing("attachment", d.group(0) if d else "")
