"""The `system` and `symptom` slots (it).

`system`: a named system, application, account or device (SAP, Outlook, my laptop,
VPN, PC-1234). "My password" or "共有フォルダ" with nothing named leaves it missing.
`symptom`: what is wrong or what is seen — an error text, a failure verb (ログインでき
ない, cannot connect, greyed out) or the described current state; a screenshot counts.
Vague wording (調子がおかしい, not working properly) does not.
"""

from __future__ import annotations

import re

from triage.context.base import attachment_finding, found, match_finding, missing, snippet
from triage.context.view import View
from triage.records import SlotFinding

_SYSTEMS = (
    r"SAP|S/4\s?HANA|Salesforce|SFDC|Microsoft\s?365|M365|Office\s?365|O365|Outlook|Teams|Excel|"
    r"Word|PowerPoint|OneDrive|SharePoint|OneNote|Exchange|Entra|Azure(?:\s?AD)?|Active Directory|"
    r"\bAD\b|Okta|Intune|Authenticator|MFA|2FA|多要素認証|Box|Dropbox|Google\s?(?:Drive|Workspace)|"
    r"Gmail|kintone|キントーン|ジョブカン|楽楽精算|Rakuraku|Concur|freee|マネーフォワード|弥生|"
    r"勘定奉行|奉行|SmartHR|カオナビ|サイボウズ|Garoon|ガルーン|desknet'?s|Slack|Zoom|Webex|"
    r"Chatwork|LINE\s?WORKS|Notion|Jira|Confluence|Backlog|GitHub|GitLab|AWS|Workday|ServiceNow|"
    r"DocuSign|クラウドサイン|CloudSign|Adobe|Acrobat|Photoshop|Illustrator|AutoCAD|SolidWorks|"
    r"CATIA|MATLAB|Tableau|Power\s?BI|Chrome|Edge|Firefox|Safari|Windows(?:\s?\d+)?|macOS|Mac|"
    r"MacBook|iPhone|iPad|Android|ThinkPad|Surface|Dynabook|Let'?s\s?note|VPN|GlobalProtect|"
    r"FortiClient|AnyConnect|Cisco|Wi-?Fi|無線LAN|有線LAN|LAN|SMS|text message|"
    r"スキャナ|モニター|monitor|display|ディスプレイ|ノート\s?PC|ノートパソコン|パソコン|"
    r"\bPC\b|laptop|desktop|デスクトップ|スマホ|スマートフォン|社用携帯|携帯電話|phone|headset|"
    r"ヘッドセット|キーボード|keyboard|マウス|mouse|ドッキングステーション|docking station|dock|"
    r"Webカメラ|webcam|camera|サーバー?|server|NAS|ファイルサーバ|データベース|database|"
    r"メールアドレス|メールボックス|mailbox|email account|e-?mail|メール|ブラウザ|browser|"
    r"ERP|CRM|基幹システム|勤怠システム|経費精算システム|会計システム|販売管理システム|"
    r"生産管理システム|ワークフロー|workflow|ポータル|portal|イントラ(?:ネット)?|intranet|"
    r"wiki|社内システム|USB|BitLocker|ウイルス対策|antivirus|Defender|Symantec|Trend ?Micro|"
    r"電話会議|内線(?!\s*[:：]?\s*\d)|PBX|Zscaler|proxy|プロキシ|DNS|ドメイン|domain|Bluetooth|カメラ"
)
_SYSTEM = re.compile(
    rf"(?<![A-Za-z])(?:{_SYSTEMS})(?![A-Za-z])|"
    r"(?:\d+F|\d+階|[A-Z0-9][\w\-]{1,}|フロア|事務所|オフィス|会議室)\S{0,6}(?:プリンタ|複合機|コピー機)|"
    r"(?:プリンタ|複合機|コピー機)\S{0,3}[(（]?[A-Z0-9][\w\-]{2,}|"
    r"\b(?:printer|copier|scanner)s?\s+(?:on|in|at|near|by|next to)\s+\S+|"
    r"\b(?:\d\w* floor|[A-Z][\w\-]+) (?:printer|copier|scanner)\b|"
    r"(?-i:[A-Z][\w\-]{1,20})\s?(?:system|app|portal|tool|server|account)\b|"
    r"[\u30a0-\u30ffー\u4e00-\u9fffA-Za-z0-9]{2,12}(?:システム|アプリ|ツール|サイト|アカウント)(?![部課室]|本部|チーム)|"
    r"\\\\[\w.\-]+\\[\w$.\-\\]+|[A-Z]:\\[\w\\ ]+|https?://\S+|"
    r"\b(?:PC|NB|LT|DT|SRV|PRN)[\-_]?\d{3,}\b|資産番号\s*[:：]?\s*\w+|asset (?:tag|no\.?|number)"
    r"\s*[:#]?\s*\w+|"
    # a device known by its use or place (勤怠打刻端末, POSレジ2番, the sign-in tablet, HMI panel)
    r"[\u4e00-\u9fff]{2,6}端末|POS(?:レジ|端末)?|"
    r"\b(?:sign-?in|visitor|reception|kiosk|POS|HMI|till|handheld)\s(?:tablet|terminal|panel|iPad|"
    r"screen|scanner|device)s?\b|\b(?:HMI|POS) (?:panel|terminal|system)s?\b|"
    # a product written in CamelCase: NetSuite, QuickBooks, SharePoint
    r"(?-i:\b[A-Z][a-z]+[A-Z][a-z]+[A-Za-z]*\b)",
    re.IGNORECASE,
)
_VAGUE_SYSTEM = re.compile(
    r"^(?:社内システム|システム|アカウント|ツール|アプリ|情報システム|いつも使っているアプリ|"
    r"(?:my|the|an?|this|that|our) (?:system|app|portal|tool|server|account))$",
    re.IGNORECASE,
)

_ERROR_TEXT = re.compile(
    r"「[^」]{3,80}」|\"[^\"]{4,120}\"|“[^”]{4,120}”|'[A-Z][^']{6,80}'|0x[0-9A-Fa-f]{4,}|"
    r"(?<![A-Za-z])'[^'\n]{3,80}'(?![A-Za-z])|"
    r"(?:\berror|エラー)\s*(?:code|コード|番号|no\.?)?\s*[:：#]?\s*[A-Z]{0,4}[\-_]?\d{2,}|"
    r"\berror(?: message)? (?:saying|that says|which says|stating|reading|about)\s+\S+"
)
_SYMPTOM = re.compile(
    r"エラー|error|0x[0-9A-Fa-f]{4,}|\b(?:code|コード)\s*[:：]?\s*[A-Z]?\d{3,}|"
    r"\b[45]\d\d\b(?= ?(?:error|エラー))|"
    r"(?:でき|出来)(?:ない|ません|なく|なかった|ず)|(?:表示|起動|反応|動作|接続|印刷|送信|受信|同期|"
    r"保存|認証|ログイン|サインイン|インストール|更新|再生|充電)(?:され|し|でき|が(?:でき|され))?(?:ない|ません|ず|なく)|"
    r"繋がら|つながら|届か|開か|開け(?:ない|ません)|動か|映ら|点か|入れ(?:ない|ません)|見れ|見え(?:ない|ません)|"
    r"切れ(?:る|て|ます)|落ち(?:る|て|ます)|固まっ|固まる|フリーズ|ハング|遅い|遅く|重い|重く|"
    r"消え|壊れ|割れ|故障|ロック(?:され|が)|期限切れ|失効|ブルースクリーン|真っ暗|真っ黒|点滅|"
    r"異音|エラー音|文字化け|不具合|障害|乗っ取|不審|フィッシング|紛失|盗難|なくし|無くし|落とし|"
    r"ウイルス|感染|漏え?い|誤送信|ぼやけ|にじん|乱れ|ちらつ|チカチカ|うるさ|音が(?:する|鳴|気に)|"
    r"熱く|熱い|膨らん|膨張|文字化け|見えなく|消えて|"
    r"足りな|不足|来ない|来なかったり|(?:でき|あり)ますか|貸し?出|容量|"
    r"(?:発行|作成|付与|追加|設定|インストール|貸与|削除|解除|リセット|再発行|用意|移行)"
    r"(?:を|して|して欲しい|してほしい|してください|をお願い|お願い|希望|依頼|いただけ|頂け)|"
    r"\b(?:can ?not|can't|cannot|couldn't|could not|unable to|won't|will not|doesn't|does not|"
    r"didn't|did not|isn't|is not|aren't|are not|not able to|no longer|fail(?:s|ed|ing|ure)?|"
    r"crash(?:es|ed|ing)?|freez(?:es|ing)|froze|frozen|hang(?:s|ing)|stuck|greyed|grayed|"
    r"disconnect(?:s|ed|ing)?|drops?|dropping|slow|locked|expired|broken|cracked|blank|"
    r"black screen|blue screen|flicker(?:s|ing)?|keeps?|bounc(?:e|es|ed|ing)|missing|lost|stolen|"
    r"denied|rejected|blocked|down|outage|timeout|timed out|not (?:working|showing|loading|"
    r"syncing|connecting|opening|printing|receiving|sending|responding)|no (?:sound|signal|"
    r"access|internet|connection|power|display|user|account|license|licence)|"
    r"phishing|suspicious|virus|malware|hacked|compromised|leak(?:ed)?|loud|noisy|"
    r"overheat(?:s|ing)?|"    r"garbled|blurr?y|swollen|distorted|spinn(?:ing|er)|"
    r"need (?:a|an|access|to (?:install|add|create|set up|reset|get))|"
    r"please (?:install|create|set up|add|grant|reset|enable|disable|remove|issue|provide|order|"
    r"replace|unlock|extend|transfer|migrate|configure)|"
    r"(?:request|requesting|would like|want) (?:to (?:install|add|get|have|create|set up)|"
    r"a new|access|an? )|"
    r"new (?:account|user|laptop|licen[cs]e)|access to|permission|license for|licence for|"
    r"install(?:ation|ed)?|set ?up|onboard|offboard|reset|stopped|disappeared|vanished|gone|"
    r"expir(?:e|es|ed|ing)|renew(?:al|ed)?|pop ?up|needs? (?:\w+ )?(?:access|licen[cs]e|account|"
    r"Microsoft|Salesforce|VPN|SAP|Teams|Zoom|a |an )|get (?:\w+ )?access|shows?|says|"
    r"invite|guest)\b|"
    r"(?:いただけ|頂け)(?:ない|ます)|ください|したい(?:です|と)|してほしい|して欲しい|追加|招待|交換|"
    r"貸して|変えて|付与|が必要|必要です|止まっ|変わら|変わりません|"
    r"(?<!急ぎ)(?<!構い)(?<!すみ)(?<!あり)(?<!かまい)(?<!分かり)(?<!わかり)(?<!使え)ません",
    re.IGNORECASE,
)
_VAGUE_SYMPTOM = re.compile(
    r"調子が(?:おかしい|悪い|変)|おかしい|変な感じ|うまくいかない|not working properly|acting up|"
    r"使えな(?:い|くな)|使えません|壊れ(?:てる|ている)かも|"
    r"doing (?:that|the same) thing|weird|strange|funny|something(?:'s| is) wrong|issue with|"
    r"problem with|trouble with|not right",
    re.IGNORECASE,
)


_SHARED = re.compile(
    r"共有フォルダ|共有ドライブ|shared (?:folder|drive)|network drive", re.IGNORECASE
)
_FOLDER_NAME = re.compile(
    r"\\\\[\w.\-]+\\|[A-Z]:\\|https?://|「[^」]+」|\"[^\"]+\"|'[^']+'|/[\w\-]+/"
)


def detect_system(view: View) -> SlotFinding:
    shared = _SHARED.search(view.text)
    if shared and not _FOLDER_NAME.search(view.text):
        return missing("system", shared.group(0))  # which folder? (eval conventions)
    for part in view.parts:
        for m in _SYSTEM.finditer(part.text):
            if _VAGUE_SYSTEM.match(m.group(0)):
                continue
            return found("system", snippet(part.text, m.start(), m.end(), pad=6), part.source)
    return missing("system")


_VAGUE_WORK = re.compile(
    r"(?:(?:doesn't|does not|isn't|is not|not|won't|will not|didn't|did not|aren't|are not|"
    r"(?:has |have )?stopped|stops) work(?:ing|s)?(?: properly| right| well| correctly)?\b|"
    r"\b(?:not|isn't|doesn't|won't|aren't|don't) \w+(?: \w+)? (?:properly|right|correctly)\b|"
    r"(?:が|は|も)?使え(?:ない|ません|なくな)|壊れ(?:てる|ている)かも(?:しれません)?|"
    r"(?:どうも)?うまく(?:いか|いき|でき|映ら|映り|動か|動き|つながら|つながり|繋がら|繋がり|"
    r"表示され|印刷でき)\S{0,3}?(?:ない|ません)|具合が(?:悪い|よくない|良くない)|"
    r"調子が(?:おかしい|悪い|変)|(?:が|は)変(?:です|だ|な感じ)|(?:だめ|ダメ)(?:です|でした)?|"
    # "please have a look", "the same problem as before", "a strange message": not what
    r"見て(?:いただけ|もらえ|ください|ほしい|欲しい)\S{0,4}|\S{0,8}について(?:ご)?相談\S{0,6}|"
    r"\b(?:the )?same (?:problem|issue) as before\b|\bstill the same\b|"
    r"\b(?:a |an )?(?:strange|weird|odd|funny) (?:message|pop-?up|warning)s?\b)",
    re.IGNORECASE,
)
# "エラーが出ます", "got an error message": which error? (its text or a screenshot says it)
_ERROR_WORD = re.compile(r"エラー|\berrors?\b", re.IGNORECASE)
_NO_ERROR = re.compile(
    r"\bno errors?\b|エラー(?:は|も)(?:出て|表示され)?(?:い)?(?:ない|ません)", re.I
)


def _vague_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _VAGUE_WORK.finditer(text)]


def detect_symptom(view: View) -> SlotFinding:
    """What is wrong or wanted; "not working", "エラーが出ます" alone do not say it."""
    f = match_finding("symptom", view, _ERROR_TEXT)
    if f is not None:
        return f
    shot = attachment_finding("symptom", view, ("screenshot",))
    if shot is not None:
        return shot
    unsaid = _ERROR_WORD.search(view.text)
    if unsaid and not _NO_ERROR.search(view.text):
        return missing("symptom", unsaid.group(0))  # an error, but not what it says
    for part in view.parts:
        vague = _vague_spans(part.text)
        for m in _SYMPTOM.finditer(part.text):
            if any(s <= m.start() < e or m.start() <= s < m.end() for s, e in vague):
                continue
            return found("symptom", snippet(part.text, m.start(), m.end()), part.source)
    vague = _VAGUE_SYMPTOM.search(view.text) or _VAGUE_WORK.search(view.text)
    return missing("symptom", vague.group(0) if vague else "")
