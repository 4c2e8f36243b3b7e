"""What an attached file is, told by its name: receipt, invoice, contract, screenshot...

TAXONOMY lets an attached document stand in for the details it carries: a receipt,
invoice, quote or statement gives the amount and date, a contract or draft gives the
counterparty, a screenshot gives the symptom. The owner can open them; we only read names.
"""

from __future__ import annotations

import re

KINDS: dict[str, re.Pattern[str]] = {
    "receipt": re.compile(r"receipt|領収|レシート|quittung|beleg", re.I),
    "invoice": re.compile(r"invoice|請求|rechnung|bill(?!ing_?addr)|\binv[_\-\d]", re.I),
    "quote": re.compile(r"quot|見積|estimate|angebot|proposal", re.I),
    "statement": re.compile(
        r"statement|明細|expense|経費|精算|立替|claim|report|報告書|payment|支払|振込|remittance|"
        r"advice|purchase.?order|\bPO[_\-\d]|注文書|発注書|tax|源泉|納品書|delivery.?note",
        re.I,
    ),
    "contract": re.compile(
        r"contract|agreement|契約|覚書|NDA|MOU|draft|ドラフト|terms|規約|約款|amendment|addendum|"
        r"SOW|MSA|DPA|\bLOI\b|letter.of|notice|通知|招待|invitation|redline|修正版|案\b|条件",
        re.I,
    ),
    "screenshot": re.compile(
        r"screen|スクショ|キャプチャ|画面|capture|error|エラー|snip|\.(?:png|jpe?g|gif|bmp|heic)$",
        re.I,
    ),
    "spreadsheet": re.compile(r"\.(?:xlsx?|csv|ods)$", re.I),
    "document": re.compile(r"\.(?:pdf|docx?|pptx?|txt|rtf|msg|eml|zip)$", re.I),
}

MONEY_DOCS = ("receipt", "invoice", "quote", "statement")


def kinds(filename: str) -> frozenset[str]:
    """Every kind a file name suggests (a name can be several: an invoice PDF scan)."""
    return frozenset(k for k, p in KINDS.items() if p.search(filename))


def first_of(filenames: tuple[str, ...], wanted: tuple[str, ...]) -> str | None:
    """The first file whose name shows one of the wanted kinds."""
    for f in filenames:
        if kinds(f) & set(wanted):
            return f
    return None
