"""The `item` (procurement, general_affairs) and `quantity` (procurement) slots.

An item is named by a concrete noun, a model or part number, a product vocabulary word,
or the noun a counter attaches to ("モニター 3台", "5 licences"). Generic words (備品,
消耗品, supplies, equipment, "the usual") do not say what exactly.
"""

from __future__ import annotations

import re

from triage.context.base import (
    attachment_finding,
    found,
    mask,
    match_finding,
    missing,
    snippet,
)
from triage.context.view import View
from triage.records import SlotFinding

_COUNTER_JA = (
    r"台|個|本|枚|セット|式|箱|ケース|冊|脚|名分|人分|ライセンス|点|部|ロール|袋|巻|足|着|組|缶|"
    r"パック|束|反|(?-i:m)|メートル|kg|キロ|リットル|(?-i:L)|ヶ所|か所|箇所|席|口|アカウント|ユーザー?|件|"
    r"ダース|カートン|連|包|瓶|丁|張|基|機|契約|年分|ヶ月分|か月分|双|品目|品|足分|ペア|こ|キット|トン|t"
)
_COUNTER_EN = (
    r"units?|pcs|pieces?|sets?|boxes|box|packs?|licen[cs]es?|seats?|copies|copy|cartons?|rolls?|"
    r"reams?|cases?|pairs?|bottles?|cans?|kits?|items?|laptops?|monitors?|chairs?|desks?|"
    r"users?|accounts?|pallets?|bags?|sheets?|meters?|metres?|kg|dozens?|people|persons?|"
    r"(?!(?:days|weeks|months|years|hours|minutes|seconds|times)\b)[a-z]+s"
)
_NUM_WORD = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|fifty|a hundred|a dozen|a couple of"
)
QUANTITY = re.compile(
    rf"(?<![A-Za-z0-9/.:\-])\d{{1,5}}\s?(?:{_COUNTER_JA})(?![a-zA-Z])|"
    r"(?:一|二|三|四|五|六|七|八|九|十|数)(?:台|個|本|枚|セット|箱|冊|脚|名分|点|部)|"
    rf"(?<![\d/.:\-$¥€£])(?<![A-Za-z]-)\b\d{{1,5}}\s?(?:x\s)?"
    rf"(?:new\s|more\s|additional\s|extra\s)?(?:{_COUNTER_EN})\b|"
    rf"\b(?:{_NUM_WORD})\s+(?:new\s|more\s|additional\s|extra\s)?[a-z]+s\b|"
    r"(?:数量|個数|台数|qty|quantity|amount of)\s*[:：は]?\s*\d+|(?<![\dm])"
    r"\s?[x×]\s?\d{1,4}\b(?!\s?mm|\s?m\b)|\b\d{1,4}\s?[x×](?!\d)|"
    r"(?:各|それぞれ)\s?\d+|"
    r"\b(?:a|one|an)\s+(?:single\s|new\s|replacement\s|spare\s|second\s|[a-z\-]+\s)?"
    r"(?:laptop|monitor|chair|desk|pc|phone|printer|license|licence|copy|unit|set|box|"
    r"keyboard|mouse|headset|tablet|camera|projector|whiteboard|shredder|cabinet|locker)\b|"
    r"1つ|一つ|ひとつ|2つ|二つ|ふたつ|3つ|三つ|全員分|人数分|全数|同数|"
    # a number, a few words, then a plural noun that is not a span of time
    r"(?<!from )(?<!to )(?<![\d.,$¥€£])(?<![A-Za-z]-)\b(?:\d{1,4}|two|three|four|five|six|seven|"
    r"eight|nine|ten|twelve|twenty)\s+"
    r"(?:(?!to\b|from\b|of\b|in\b|per\b|each\b)(?:\d{1,3}-)?[A-Za-z0-9][A-Za-z0-9+\-]*\s+){0,3}?"
    r"(?!(?:days|weeks|months|years|hours|minutes|times|people|benches|floors|sites|offices)\b)"
    r"[A-Za-z\-]+s\b|\b\d{1,5}\s+more\b|"
    r"\b(?:buy|order|purchase|get|need|needs|want|replace|require|procure|source|add|rent)\s+"
    r"(?:us\s+|me\s+)?(?:a|an|one|a second|another|a single|a spare|a replacement)\b"
    r"(?!\s+(?:few|couple|bit|little|lot|number|quote|quotation|price|call|look|chance|reply|"
    r"response|answer|copy of|list)\b)|"
    r"\b(?:a|one) (?:second|third|spare|replacement|additional|extra)\b|"
    r"添付の(?:リスト|一覧|表)|(?:台数|数量|個数)入り|数量は添付|list attached|attached list",
    re.IGNORECASE,
)

_GENERIC_ITEM = re.compile(
    r"^(?:備品|消耗品|物品|もの|物|部品|資材|用品|商品|品物|アイテム|設備|機器|機材|things?|stuff|"
    r"items?|supplies|equipment|materials?|goods|products?|parts?|something|facilities|"
    r"一式|(?:必要な|いる|要る)?もの一式|道具類|備品類|用品類|物品類|消耗品類|"
    r"至急|急ぎ|追加|合計|全部|計)$",
    re.IGNORECASE,
)
# a model or part number: capitals and digits (FM-320, ZD421), or a CamelCase product name
_MODEL = re.compile(
    r"(?<![\w/])(?=[A-Z0-9\-]*\d)(?=[A-Z0-9\-]*[A-Z])[A-Z0-9][A-Z0-9\-]{3,}(?![\w/])|"
    r"\b[A-Z][a-z]+[A-Z][A-Za-z]+\b"
)
_NOT_MODEL = re.compile(r"^(?:PO|SO|Q|JV|INV|REQ|PR)-?\d|^\d+-\d+$|^(?:FY|Q[1-4]|H[12])\d*$|^COVID")
# katakana nouns name things (トルクレンチ, カレンダー); these common ones do not
_KATAKANA = re.compile(r"[\u30a1-\u30faー]{3,}")
_KATAKANA_NOT_ITEM = re.compile(
    r"^(?:スケジュール|ミーティング|プロジェクト|メール|システム|アカウント|パスワード|コスト|ライン|チーム|"
    r"スタッフ|メンバー|サポート|サービス|ケース|タイミング|スペース|リスト|データ|ファイル|フォーム|ルール|"
    r"ステータス|エラー|トラブル|イベント|セミナー|キャンセル|スケジュール|アドレス|ページ|サイト|"
    r"マネージャー|リーダー|ユーザー?|オフィス|フロア|センター|グループ|レポート|コメント|チェック|"
    r"テスト|サンプル|モデル|タイプ|サイズ|メーカー|ベンダー|カタログ|ショップ|ネット|アマゾン|"
    r"モノタロウ|アスクル|ミスミ|ダウンロード|インストール|ログイン|アクセス|リンク|ボタン|"
    r"ゴールデンウィーク|ウィーク|ドラフト|コピー|スキャン|プリント|ペース|レベル|セット|パック|ダース|"
    r"カートン|ペア|ユニット|ロット|マーケ|マーケティング|セールス|カスタマー|"
    # places say where, not what
    r"キッチン|ロビー|エントランス|ラウンジ|カフェテリア|ホール|テラス|ベランダ|ガレージ|パントリー|"
    r"エレベーターホール|ゼロ)$"
)
# sounds (ギーギー, ガタガタ) describe a symptom, not the thing
_ONOMATOPOEIA = re.compile(r"^([\u30a1-\u30faー]{2,3})\1+$")
# a company name: 株式会社ミナト設計, 北斗テクノ計装
_COMPANY_AROUND = re.compile(
    r"^(?:設計|工業|商事|産業|電機|建設|技研|計装|製作所|ホールディングス|株式会社|商会|物産|運輸)"
)
# a department or team written in katakana: カスタマーサポート部, マーケティング課
_ORG_UNIT_AFTER = re.compile(r"^(?:部|課|室|チーム|グループ|本部|事業部|センター|担当|係)")
_VAGUE_ITEM = re.compile(
    r"例の|あの(?:小型の|大きい|)?(?:機材|もの|物|やつ|部品|機械|計測器|装置)|あれ(?:が|、|は|を|です|壊)|"
    r"同じもの|同じ物|いつもの(?:もの|やつ|あれ)|"
    r"\bthe thing\b|\bthat thing\b|\bthose \w+ (?:we|you|he|she|they|\w+ ordered)\b|"
    r"\bthe (?:parts|items|stuff|ones) we (?:talked|discussed|spoke)|\bthe usual\b|"
    r"\bthe same (?:one|ones|thing|things|as last time)\b|\bwhat we (?:talked|discussed)",
    re.IGNORECASE,
)
_ITEM_JA = re.compile(
    # product vocabulary (procurement and general affairs)
    r"ノート\s?PC|パソコン|PC|laptop|monitor|モニター|ディスプレイ|キーボード|マウス|ヘッドセット|"
    r"プリンター?|複合機|トナー|インク|コピー用紙|用紙|紙|封筒|名刺|ゴム印|印鑑|社印|角印|丸印|"
    r"代表者印|実印|銀行印|押印|"
    r"椅子|チェア|机|デスク|キャビネット|ロッカー|ホワイトボード|プロジェクター|シュレッダー|"
    r"エアコン|空調|照明|蛍光灯|電球|LED|ドア|扉|鍵|カギ|錠|トイレ|蛇口|水漏れ|雨漏り|窓|ブラインド|"
    r"カーテン|床|壁|天井|コンセント|電源|配線|ケーブル|冷蔵庫|電子レンジ|ポット|ウォーターサーバー|"
    r"自販機|自動販売機|掃除|清掃|ゴミ|ごみ|社用車|車両|駐車場|駐車|タイヤ|ETC|入館証|入館カード|"
    r"社員証|セキュリティカード|カードキー|会議室|応接室|倉庫|郵便|切手|宅配|宅急便|ゆうパック|"
    r"バイク便|レターパック|段ボール|梱包材|緩衝材|パレット|テープ|文房具|文具|ボールペン|"
    r"ファイル|バインダー|ノート|付箋|電池|乾電池|工具|部材|試薬|サンプル|センサー|計測器|"
    r"流量計|治具|金型|ライセンス|ソフトウェア|ソフト|サーバー?|スマホ|スマートフォン|携帯|"
    r"タブレット|iPad|iPhone|カメラ|Webカメラ|マイク|スピーカー|ヘルメット|作業着|制服|安全靴|"
    r"手袋|マスク|消毒|救急箱|AED|消火器|看板|表札|スリッパ|傘|観葉植物|花|弁当"
)
_ITEM_EN = re.compile(
    r"\b(?:toner|ink|paper|envelopes?|business cards?|stamps?|seal|chairs?|"
    r"(?<!front )(?<!help )(?<!service )(?<!reception )desks?|cabinets?|"
    r"lockers?|whiteboards?|projectors?|shredders?|air ?con(?:ditioning|ditioner)?|heating|"
    r"lights?|lighting|bulbs?|lamps?|doors?|locks?|keys?|toilets?|taps?|leaks?|windows?|"
    r"blinds?|carpet|floor|walls?|ceiling|sockets?|outlets?|cables?|fridge|refrigerator|"
    r"microwave|kettle|water (?:cooler|dispenser)|vending machine|cleaning|trash|rubbish|"
    r"company car|vehicle|parking|tyres?|tires?|access cards?|badges?|ID cards?|key ?cards?|"
    r"meeting rooms?|conference rooms?|warehouse|courier|parcels?|packages?|boxes|cardboard|"
    r"packing material|bubble wrap|pallets?|tape|stationery|pens?|binders?|folders?|notebooks?|"
    r"batteries|tools?|samples?|sensors?|reagents?|gauges?|meters?|licen[cs]es?|software|"
    r"subscriptions?|servers?|phones?|tablets?|cameras?|headsets?|keyboards?|mice|mouse|"
    r"docking stations?|chargers?|adapters?|speakers?|helmets?|uniforms?|gloves?|masks?|"
    r"first[\- ]aid|fire extinguishers?|signs?|signage|plants?|furniture|printers?|copiers?|"
    r"scanners?|standing desks?|ergonomic|footrest|webcams?|microphones?|laptops?|monitors?|"
    r"(?-i:PCs?)|printers?|coat racks?|racks?|shelves|shelf|sofas?|tables?|benches|mats?|bins?|"
    r"boardroom|reception|trays?|calendars?|vests?|pests?|cockroach(?:es)?|mice|rats?|"
    r"ferrules?|cups?|tiles?|mirrors?|forklifts?|wrench(?:es)?|gauges?|transmitters?|"
    r"thermometers?|adapters?|fittings?|"
    r"valves?|pumps?|motors?|drives?|batteries|battery|filters?|cartridges?|coffee|water|"
    r"cars?|vans?|trucks?|generators?|wreaths?|flowers|bouquets?|cards|trees?|decorations|"
    r"letters|kits?|torch(?:es)?|flashlights?|chambers?|carousels?)\b",
    re.IGNORECASE,
)


def _model(text: str) -> re.Match[str] | None:
    for m in _MODEL.finditer(text):
        if not _NOT_MODEL.match(m.group(0)):
            return m
    return None


def _katakana(text: str) -> re.Match[str] | None:
    for m in _KATAKANA.finditer(text):
        after = text[m.end() : m.end() + 6]
        if (
            not _KATAKANA_NOT_ITEM.match(m.group(0))
            and not _ONOMATOPOEIA.match(m.group(0))
            and not _ORG_UNIT_AFTER.match(after)
            and not _COMPANY_AROUND.match(after)
            and not text[max(0, m.start() - 4) : m.start()].endswith(("株式会社", "(株)", "（株）"))
        ):
            return m
    return None


def _first_item(text: str) -> re.Match[str] | None:
    """The earliest thing named in ``text`` that is not only a place (see _PLACE)."""
    found_: list[re.Match[str]] = []
    for pattern in (_ITEM_JA, _ITEM_EN):
        for m in pattern.finditer(text):
            if not _PLACE.match(m.group(0)):
                found_.append(m)
                break
    found_.extend(m for m in (_model(text), _katakana(text)) if m)
    return min(found_, key=lambda m: m.start()) if found_ else None


# Rooms, floors and buildings say where, not what: "the problem at the warehouse entrance",
# "会議室の備品". They are the item only when the place itself is wanted (booked, reserved).
_PLACE = re.compile(
    r"^(?:会議室|応接室|倉庫|事務所|オフィス|フロア|給湯室|meeting rooms?|conference rooms?|"
    r"boardroom|warehouse|reception|floor)$",
    re.IGNORECASE,
)
_PLACE_WANTED = re.compile(
    r"予約|確保|押さえ|借り|空いて|使わせ|\bbook(?:ing|ed)?\b|\breserv(?:e|ed|ation|ing)\b|"
    r"\bprepare (?:a |the )?(?:meeting |conference )?room\b|\bcan I (?:have|use)\b",
    re.IGNORECASE,
)
# an earlier conversation or order stands in for the name: which one is it?
_REFERRED = re.compile(
    r"\bthe (?:[\w\-]+ ){1,3}(?:we|you|I|he|she|they|[A-Z][a-z]+) (?:discussed|mentioned|"
    r"talked about|spoke about|agreed on|looked at|used last)\b|"
    r"\b(?:like|as per) (?:last time|before|the last (?:order|batch|one))\b|"
    r"\bthe (?:[\w\-]+ ){0,2}ones?\b(?! (?:of|who|that|which)\b)(?: (?:by|in|at|near|on|"
    r"next to) (?:the |our )?(?:[\w\-]+ )?[\w\-]+)?|\bsame as (?:last time|before)\b|"
    r"\b(?:re-?order|order again) (?:what|the ones)\b|"
    r"\bthe ones? (?:that|which) (?:just |recently |has |have )?(?:broke|failed|died|stopped|"
    r"went|got|was|were|is|are|keeps?)\b|"
    r"(?:前回|先週|先月|この前|以前|先日)[^。\n]{0,20}(?:と同じ|お話し|話した|相談した|言っていた)"
    r"[^\s、。をがはも]{0,8}|"
    r"先日お話し|例のもの",
    re.IGNORECASE,
)


# a category or a placeholder stands in for the thing, with what it is for: "the safety
# stuff", "the things he'll need for his desk", "whatever they'll need", "the standard kit",
# "something in the break room". Masked, so only a concrete thing named elsewhere counts.
_PLACEHOLDER = re.compile(
    r"\b(?:the|some|that|this|our|any|more|a few|few|all the|other) (?:[\w\-]+ )?"
    r"(?:stuff|things)\b(?: (?:[\w']+ ){0,3}(?:for|in|at|on) (?:the |his |her |their |our |my )?"
    r"(?:[\w\-']+ ){0,2}[\w\-']+)?|"
    r"\bwhatever (?:they|he|she|we|you|I)(?:'ll| will| would|'d)? (?:need|want|require)s?\b|"
    r"\b(?:the |our )?(?:standard|usual|normal|regular|basic) (?:kit|set|pack|package|bundle|"
    r"supplies|items|equipment)\b|"
    r"\bsomething (?:in|at|on|near|by) (?:the |our |my )?(?:[\w\-']+ ){0,2}[\w\-']+",
    re.IGNORECASE,
)


# 使うもの一式, 必要なもの, 道具類: what the owner would ask about (evidence only)
_PLACEHOLDER_JA = re.compile(
    r"(?:[\u4e00-\u9fff]{1,4}(?:で|に)?(?:使う|使用する|必要な|要る|いる))?(?:もの|物)(?:一式)?|"
    r"[\u4e00-\u9fff]{1,3}類|一式"
)


# the noun right before a counter: "モニター 3台", "3 units of X"
_COUNTED_NOUN = re.compile(
    rf"([\u30a0-\u30ffー\u4e00-\u9fffA-Za-z0-9\-]{{2,20}})\s?(?:を|が|は|×|x)?\s?\d{{1,5}}\s?"
    rf"(?:{_COUNTER_JA})(?![A-Za-z])|"
    rf"\d{{1,5}}\s?(?:{_COUNTER_EN})\s+of\s+([A-Za-z][\w\- ]{{2,30}})"
)


_UNDECIDED_QTY = re.compile(
    r"(?:数量|台数|個数|本数|必要数|数)(?:は|が|も)?[^。\n]{0,12}(?:未定|議論中|検討中|確認中|決まり次第|調整中|わかり次第)|"
    r"\b(?:quantity|quantities|counts?|how many|numbers?)\b[^.\n]{0,40}\b(?:TBD|TBC|"
    r"not (?:yet )?(?:sure|decided|"
    r"final|known)|once [^.\n]{0,30}final|to be confirmed|still (?:being )?(?:decided|"
    r"discussed|counting))",
    re.IGNORECASE,
)


# English: the object of a buying/fixing verb, or the noun a number counts
_EN_OBJECT = re.compile(
    r"\b(?:buy|order|purchase|reorder|procure|source|expedite|replace|repair|fix|install|"
    r"quote for|price for|cost of|need|needs|get us|get)\s+(?:us\s+|me\s+)?"
    r"(?:(?:some|more|a|an|another|the|new|extra|spare|additional|replacement|second|one|two|"
    r"three|(?:sets?|pairs?|box(?:es)?|packs?|cases?) of|\d{1,4}x?|x\d{1,4})\s+){0,3}"
    r"(?P<np>[A-Za-z][\w\-]*(?:\s+[A-Za-z0-9][\w\-\"#]*){0,2})",
    re.IGNORECASE,
)
_EN_COUNTED = re.compile(
    r"(?<![\d.,$€£¥])\b\d{1,4}\s?x?\s+(?:more\s+|new\s+|additional\s+|replacement\s+|spare\s+)?"
    # "6 cases of 50 ml tubes": the pack and the size are not the thing
    r"(?:(?:cases?|box(?:es)?|packs?|sets?|pairs?|cartons?|rolls?|reams?|bottles?|bags?) of\s+)?"
    r"(?:\d+(?:\.\d+)?\s?(?:ml|mm|cm|m|g|kg|l|oz|lbs?|in|inch(?:es)?)\s+)?"
    r"(?P<np>[A-Za-z][\w\-]*(?:\s+[A-Za-z0-9][\w\-]*){0,2})"
)
_NOT_OBJECT = re.compile(
    r"^(?:it|them|this|that|these|those|one|ones|what|something|anything|some|more|stuff|"
    r"things?|items?|supplies|equipment|materials?|goods|products?|parts?|approval|help|"
    r"answer|reply|confirmation|access|permission|quote|quotation|price|invoice|days?|weeks?|"
    r"months?|years?|hours?|minutes?|times?|people|persons?|of|to|for|by|on|in|at|before|"
    r"the|a|an|you|someone|somebody|us|me|back|ready|done|fixed|sorted|going|started|"
    r"maintenance|asap|now|today|tomorrow|same|usual|thing|whatever|replacements?|"
    r"new|sure|there|here|your|our|their|my|his|her|its|mins?|secs?|problems?|issues?|"
    r"trouble|repairs?|fix|leaking|broken|quote|pcs|pieces?|units?|sets?|boxes|packs?|"
    r"cartons?|cases?|pairs?|more|ordered|delivered|sent|shipped|arranged|organi[sz]ed|set|"
    r"space|area|it's|they're|is|are|was|were|replaced|repaired|removed|checked|"
    # not things: a request, the people it is for, a calendar word, a state
    r"requests?|orders?|reminders?|everything|anything|all|down|up|out|off|waiting|"
    r"again|each|apiece|pc|POs?|quotes|quotations?|estimates?|chance|working|business|"
    r"hires?|starters?|joiners?|people|January|February|March|April|May|June|July|August|September|"
    r"October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Monday|"
    r"Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
    re.IGNORECASE,
)
# the thing at a place: "the mirror in the restroom", "the flag at the warehouse entrance"
_EN_LOCATED = re.compile(
    r"\b(?:the|a|an|our|my|some)\s+(?:[a-z][\w\-']*\s+){0,2}?(?P<np>[a-z][\w\-]*)\s+"
    r"(?:in|at|on|near|by|outside|inside|next to)\s+(?:the\s+|our\s+|a\s+)?"
    r"(?:[\w\-'\"]+\s+){0,3}?(?:(?:rest|meeting|conference|board|show|store|stock|break)?rooms?|"
    r"offices?|floor|entrance|lobby|kitchen|pantry|warehouse|reception|area|bay|corridor|"
    r"hallway|lab|canteen|cafeteria|toilets?|restrooms?|car ?park|garage)\b",
    re.IGNORECASE,
)


def _en_object(text: str) -> re.Match[str] | None:
    for pattern in (_EN_COUNTED, _EN_OBJECT, _EN_LOCATED):
        for m in pattern.finditer(text):
            if not _NOT_OBJECT.match(m.group("np")):
                return m
    return None


# "1本 3,200円", "1 set at $90", "(10個入)": a unit price or pack size, not how many
_UNIT_PRICE_AFTER = re.compile(
    r"^\s*[:：(（]?\s*(?:[¥$€£]\s?\d|\d[\d,.]*\s?(?:円|ドル|ユーロ|USD|JPY|EUR|VND|SGD|\$))|"
    r"^\s*(?:at|for|costs?|is)\s+(?:about\s+|around\s+|~)?(?:[¥$€£]|USD|EUR|JPY)|^入",
    re.IGNORECASE,
)
_ONE = re.compile(r"^(?:1|一|１)\s?\D")
# sizes and ranges: 500mm×300m, 1kg~20kg, 15kg roll
_SPEC_UNIT = re.compile(r"(?:m|mm|cm|kg|g|L|メートル|キロ|リットル)$", re.IGNORECASE)
_SPEC_NEAR = re.compile(r"[×x~〜\-–,、]\s*$|^\s*[×x~〜\-–]|^\s*(?:rolls?|spools?|drums?|巻)\b")
# a known quantity named by reference: "same quantity as last time", いつもの数
_SAME_QTY = re.compile(
    r"\bsame (?:quantity|amount|number|qty)\b|(?:いつもの|前回と同じ|同じ)(?:数|数量|量|個数)|"
    r"\bwe need \d{1,4}\b|\bneed \d{1,4} of (?:them|those|these)\b",
    re.IGNORECASE,
)


# a verb, then how many: "add 1 Bosch laser level", "rent one 20kW generator" (a fallback,
# so that the evidence of the patterns above stays the counted phrase)
_VERB_COUNT = re.compile(
    r"\b(?:buy|order|purchase|get|need|needs|add|rent|missing|replace)\s+(?:us\s+|me\s+)?"
    r"(?:\d{1,4}|one|two|three|four|five|six|eight|ten|twelve)\s+(?!of\b)[A-Za-z0-9][^\s,.]*",
    re.IGNORECASE,
)
# "$38 a case" is a price per unit; "line 3", "dock 2" name a place, not how many
_PRICE_OR_LABEL_BEFORE = re.compile(
    r"(?:[$€£¥]\s?[\d.,]+|\b(?:line|building|bldg|room|floor|level|gate|dock|bay|station|site|"
    r"phase|step|no\.?|#))\s*$",
    re.IGNORECASE,
)


def _weak_quantity(text: str, m: re.Match[str]) -> bool:
    q = m.group(0).strip()
    after, before = text[m.end() : m.end() + 16], text[max(0, m.start() - 6) : m.start()]
    if _PRICE_OR_LABEL_BEFORE.search(text[max(0, m.start() - 12) : m.start()]):
        return True
    if _ONE.match(q) and (_UNIT_PRICE_AFTER.search(after) or before.endswith("単価")):
        return True
    if after.startswith("入"):
        return True
    return bool(_SPEC_UNIT.search(q) and (_SPEC_NEAR.search(before) or _SPEC_NEAR.search(after)))


def detect_quantity(view: View) -> SlotFinding:
    """How many; a unit price, a pack size or a dimension does not say it."""
    undecided = _UNDECIDED_QTY.search(view.own_text)
    if undecided:
        return missing("quantity", undecided.group(0))
    for part in view.parts:
        for m in QUANTITY.finditer(part.text):
            if not _weak_quantity(part.text, m):
                return found("quantity", snippet(part.text, m.start(), m.end()), part.source)
    return (
        match_finding("quantity", view, _SAME_QTY)
        or match_finding("quantity", view, _VERB_COUNT)
        or attachment_finding("quantity", view, ("quote", "spreadsheet"))
        or missing("quantity")
    )


# how the mail was sent or taken, not what it asks for: "iPhoneから送信", "phone message"
_NOT_ABOUT_A_THING = re.compile(
    r"(?:iPhone|iPad|Android|スマホ|スマートフォン|携帯)から(?:の)?送信|"
    r"\bsent from my \w+(?: \w+)?|\bfrom my (?:phone|mobile|iphone|ipad)\b|"
    r"\bphone (?:message|msg|call|memo|note)s?\b|電話(?:メモ|受付|連絡)",
    re.IGNORECASE,
)


def _place(text: str) -> re.Match[str] | None:
    for pattern in (_ITEM_JA, _ITEM_EN):
        for m in pattern.finditer(text):
            if _PLACE.match(m.group(0)):
                return m
    return None


def detect_item(view: View) -> SlotFinding:
    """Found for a concrete thing; a place, a generic word or a back-reference is not one."""
    vague = _VAGUE_ITEM.search(view.own_text)
    if vague:
        for part in view.parts:
            m = _model(part.text)
            if m:
                return found("item", snippet(part.text, m.start(), m.end(), pad=6), part.source)
        return missing("item", vague.group(0))  # "the thing", 例の機材: which one?
    for part in view.parts:
        text = mask(part.text, _REFERRED)  # "the gauges Kevin mentioned": which gauges?
        text = mask(text, _NOT_ABOUT_A_THING)
        if view.lang != "ja":
            text = mask(text, _PLACEHOLDER)
        m = _first_item(text)
        if m and not _GENERIC_ITEM.match(m.group(0)):
            return found("item", snippet(part.text, m.start(), m.end(), pad=6), part.source)
        m3 = _en_object(text) if view.lang != "ja" else None
        if m3:
            np_ = m3.span("np")
            return found("item", snippet(part.text, np_[0], np_[1], pad=10), part.source)
        m2 = _COUNTED_NOUN.search(text)
        if m2:
            noun = m2.group(1) or m2.group(2) or ""
            if noun and not _GENERIC_ITEM.match(noun.strip()):
                return found("item", snippet(part.text, m2.start(), m2.end()), part.source)
    if _PLACE_WANTED.search(view.own_text):
        for part in view.parts:
            m = _place(part.text)
            if m:  # the room or space itself is what is wanted
                return found("item", snippet(part.text, m.start(), m.end(), pad=6), part.source)
    doc = attachment_finding("item", view, ("quote", "spreadsheet"))
    if doc is not None:
        return doc
    ref = _REFERRED.search(view.own_text) or _place(view.own_text)
    if ref is None:
        ref = (_PLACEHOLDER_JA if view.lang == "ja" else _PLACEHOLDER).search(view.own_text)
    return missing("item", ref.group(0) if ref else "")
