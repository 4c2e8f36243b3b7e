"""The `reason` slot: the background or purpose of the request.

Carried by causal and purposive connectives (ため, ので, により, に伴い, because, since,
due to, in order to, so that) and by explicit labels (理由, 背景, 目的, purpose). "Sales
wants to sign it" or "please review the attached" is not a reason (eval conventions), so
formulaic uses (念のため, 確認のため) do not count.
"""

from __future__ import annotations

import re

from triage.context.base import found, mask, missing, snippet
from triage.context.view import View
from triage.records import SlotFinding

_REASON = re.compile(
    r"(?<!念の)(?<!確認の)(?<!念のた)ため(?:に|、|の|です|でございます|。)?|"
    r"ので|のでし|ことから|によって|により|に伴い|にともない|に伴う|に向け|に向けて|"
    r"の関係で|の都合で|の影響で|の理由で|ですから|だから|"
    r"用に|向けに|で使(?:う|用する|いたい)|に使(?:う|いたい|用)|(?<!まで)(?<!までに)に必要|が必要(?:に|で)|必要(?:になり|となり)|"
    r"理由|背景|目的|経緯|事情|指摘され|増員|増加|老朽化|故障し|壊れ|入れ替え|更新時期|切れる|期限が|監査|"
    r"\bbecause\b|\bsince (?!(?:this|last|yesterday|monday|tuesday|wednesday|thursday|friday|"
    r"the morning|\d|january|february|march|april|may|june|july|august|september|october|"
    r"november|december))|\bdue to\b|\bin order to\b|\bso (?:that|we|they|I|he|she|it)\b|"
    r"\bas (?:we|they|the|our|their|he|she|I)\b(?! (?:discussed|mentioned|agreed|requested|"
    r"per|well))|"
    r"\breason\b|\bpurpose\b|\bbackground\b|\bcontext\b|\bowing to\b|\bthanks to\b|"
    r"\bfor (?:the|our|their|a|an) [\w\- ]{0,30}(?:project|event|launch|audit|trade ?show|"
    r"exhibition|visit|seminar|training|conference|tender|bid|renewal|campaign|trial|demo|"
    r"expansion|move|relocation|hire|hires|team|customer|client|line)\b|"
    r"\bneeded for\b|\brequired (?:for|by)\b|\bneed(?:s|ed)? (?:it|this|them|these) (?:for|to)\b|"
    r"\bto (?:support|prepare|meet|comply|replace|cover|handle|avoid|prevent|secure|keep|allow|"
    r"enable|ensure|start|launch|expand|close|win|renew|fulfil|fulfill)\b|"
    r"\bwe (?:are|'re) (?:moving|expanding|hiring|launching|opening|closing)\b|"
    r"\bbroke|\bbroken\b|\bworn\b|\bexpir|"
    # the background told as a situation: something happened, ran short, is planned
    r"とのことで(?!す)|趣旨|足りな|不足|在庫が|残り\d|切れ(?:そう|かけ|て)|"
    r"増え|減っ|遅れ|遅延|届きました|届いた|止まっ|停止|立ち?上げ|新規(?:案件|顧客|導入)|導入(?:し|する|予定)|"
    r"開始(?:し|する|予定)|案件で|プロジェクト|展示会|審査|入札|監査|移転|引っ越し|拡張|増設|"
    r"統一|一本化|見直し|削減|コスト|規程上|法的|主張|請求され|要求され|"
    r"\b(?:died|dead|failed|fails|stopped|ran out|running (?:low|out)|low on|out of stock|"
    r"burning through|we(?:'re| are) on our last|last (?:box|one|unit)|audit|trade ?show|"
    r"exhibition|project|starts?|starting|launch(?:es|ing)?|expanding|expansion|claim(?:s|ing)|"
    r"demand(?:s|ing)|received|got a|we got|arrived|plan(?:s|ning)? to|planned|"
    r"is down|are down|went down|stopped|crowded|not enough|too (?:small|few|old|slow)|"
    r"going live|go-live|deadline|cracked|leak(?:s|ing|ed)?|stays? down|"
    r"otherwise|or else)\b|"
    # a consequence or a purpose-marked use: 間に合わないと, 研修用, 止まってしまう
    r"ないと[^。\n]{0,25}(?:できな|なり|なる|間に合|困|止ま)|間に合わない|てしまう|"
    r"(?:研修|展示会|イベント|来客|新人|新入社員|入社|監査|出張|撮影|デモ|検証|予備|交換)用",
    re.IGNORECASE,
)

# Stock phrases that sound like a reason and give none: 先方の要望により, 諸事情により,
# 必要になったので, "for business reasons", "per the customer's request". Masked before
# the search, so only a real background elsewhere counts.
_EMPTY_REASON = re.compile(
    r"(?:先方|お客様|お客さま|顧客|取引先|客先|[\u4e00-\u9fff\u30a1-\u30faー]{1,12}様)の(?:ご)?(?:要望|希望|依頼|指示)"
    r"(?:により|によって|で|のため|につき)|"
    r"(?:先方|当方|弊社|社内|会社|一身上)?(?:の)?(?:都合|事情)(?:により|によって|で|につき|のため)|"
    r"諸事情(?:により|によって|で|につき|のため)?|(?:部長|課長|上長|上司|社長|本部長|役員)の指示(?:で|により)|"
    r"必要(?:になった|が出てきた|となった|になりました|が出てきました)(?:ので|ため|から)|"
    r"理由は(?:前回|前|いつも|例年)と同じ(?:です)?|"
    r"\bfor (?:business|internal|personal|operational|the usual|various|their own|our own|"
    r"commercial) reasons\b|\b(?:per|at) (?:the |our |their )?(?:customer|client|"
    r"counterparty|vendor|supplier)(?:'s)? request\b|\bas (?:requested|discussed|agreed)\b",
    re.IGNORECASE,
)


# "理由は聞いていません", "they didn't say why": the sender says the reason is unknown
_NO_REASON = re.compile(
    r"理由は(?:聞いて(?:い)?(?:ない|ません)|わかり(?:ません|ない)|分かり(?:ません|ない)|不明|"
    r"特に(?:ない|ありません))|\b(?:didn't|did not|doesn't|does not|won't|wouldn't) "
    r"(?:say|tell (?:us|me)|explain|give (?:a|any) reason)(?: why)?\b|\bno reason (?:was )?given\b|"
    r"\breason (?:is )?(?:unknown|unclear)\b|\bnot sure why\b|\bno idea why\b",
    re.IGNORECASE,
)


def detect_reason(view: View) -> SlotFinding:
    """Found for the background or purpose, unless the sender says it is unknown."""
    no = _NO_REASON.search(view.own_text)
    if no:
        return missing("reason", no.group(0))
    for part in view.parts:
        m = _REASON.search(mask(part.text, _EMPTY_REASON))
        if m:
            return found("reason", snippet(part.text, m.start(), m.end(), pad=20), part.source)
    return missing("reason")
