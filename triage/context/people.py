"""The `person` slot (hr): which employee the request is about.

The sender counts when the request is about themselves (eval conventions). A third
party must be named: "部下", "one of my engineers" or "a new temp" without a name leaves
the slot missing. Japanese names are found by Sudachi's 人名 tags (triage.nlp.names),
English ones by title or by capitalised words next to the role word.
"""

from __future__ import annotations

import re

from triage.context.base import found, match_finding, missing, snippet
from triage.context.view import View
from triage.nlp.names import ja_person_names
from triage.records import SlotFinding

# someone other than the sender, described but not (yet) named
_THIRD_PARTY = re.compile(
    r"部下|メンバー|スタッフ|派遣(?:社員|の方|さん)?|新入社員|新人|内定者|中途(?:入社|採用)?|"
    r"アルバイト|パート(?:さん|社員|の方)|契約社員|退職者|入社予定|採用予定|社員の方|従業員|"
    r"(?:一|1|２|2|3|数)名|後任|新卒|インターン|対象者|候補者?|上司|同僚|匿名|社員が(?:い|お)|"
    r"本人(?:から|が|に|の)|作業員|私の(?:チーム|課|部署)|うちの(?:課|チーム|部署)の(?:メンバー|者|人)|(?:チーム|課|部)の(?:者|人|方)|ある社員|"
    r"\b(?:my|our) (?:\w+ )?(?:team ?member|report|direct report|engineer|staff|colleague|employee|"
    r"assistant|new hire|intern|temp|driver|operator|technician|inspector|worker)(?:s|'s)?\b"
    r"(?!'?\s?comp)|"
    r"\b(?:some|several|many|a few|new|\d+|one|two|three) (?:\w+ )?(?:staff|guys|people|workers|"
    r"employees|operators|inspectors?|members)\b|\bsome of us\b|\bstaff from\b|\bone of (?:my|"
    r"our)\b|\ba (?:new )?(?:temp|hire|"
    r"starter|joiner|contractor|intern|employee|colleague|team member|engineer)\b|"
    r"\bnew (?:hire|joiner|starter|employee|temp|colleague)s?\b|"
    r"\b(?:an?|the) (?:employee|staff member|worker)\b|"
    r"\b(?:a|one|two|three|\d+) (?:[a-z]+ )?(?:temps?|workers?|employees?|staff|engineers?|"
    r"interns?|contractors?|technicians?|operators?|drivers?)\b|\bstaff (?:leaving|joining)\b|"
    r"\banonymous\b|課員|部員|係員|新任|執行役員|匿名|"
    r"\b(?:a|one|some|several|a couple of|two|three) (?:members?|people|guys|folks|staff) "
    r"(?:of|on|in|from) (?:my|our|the)\b|"
    r"\b(?:members?|people) (?:of|in|on) my (?:team|shift|unit)\b|"
    r"\b(?:several|a couple|some|a few|two|three|many|most) of (?:my|our) (?:team|staff|"
    r"people|guys|reports|crew|shift|unit|department|engineers|nurses)\b|"
    r"\b(?:my|our|the) new (?:[a-z]+ ){0,2}(?:engineer|technician|clerk|associate|manager|"
    r"supervisor|picker|nurse|analyst|agent|coordinator|officer|trainee|apprentice|designer|developer|accountant)s?\b|"
    r"\b(?:a|the|two|three|several) (?:[a-z]+ )?(?:candidates?|pickers?|plant managers?|"
    r"nurses?|supervisors?)\b|"
    # "someone on my team", "one of the longest-serving guys", 新しく入った方, 夜勤の人が一人
    r"\b(?:someone|somebody|one of the [\w\-]+(?: [\w\-]+)?) (?:on|in|from|at) "
    r"(?:my|our|the)\b|\bone of the (?:[\w\-]+ ){0,2}(?:guys|people|folks|staff|workers|"
    r"employees|members|operators|drivers|engineers|nurses|pickers|technicians|lads|ladies)\b|"
    r"新しく(?:入った|入社した|配属(?:になった|された))(?:方|人|者|社員)|新しい(?:方|人|社員)|"
    r"(?:人|方|者)が(?:一人|1人|ひとり|二人|2人|ふたり|何人か)|"
    # someone referred to, not named: 彼女から, この方, バイトの子, 応援に来ている方, 社員の一人
    r"彼女|彼(?=は|が|の|に|を|から|、|とは)|(?:この|その|あの)(?:方|人|子)|"
    r"(?:バイト|アルバイト|夜勤|日勤|遅番|早番|パート|派遣)の(?:子|人|方|学生)|学生さん|"
    r"応援(?:に来|の方|者)|(?:社員|従業員|スタッフ)の(?:一人|ひとり|方)|"
    r"\b(?:he|she)(?:'s|'d|'ll| has| had| is| was| will| would| wants| needs| asked| says| said|"
    r" told| can| cannot| can't| did| does| doesn't)\b|"
    r"\bthey(?:'d| would) like\b|\b(?:our|the|an?) (?:agency )?(?:part-?timer|temp)s?\b|"
    r"\bstaff member\b|\b(?:someone|somebody) (?:in|on|from|at) (?!HR\b|IT\b)[A-Z]\w+|"
    r"\bthe (?:person|people|guy|lady|woman|man) (?:who|covering|that|on|in|from|at)\b|"
    r"\ban (?:[a-z]+ )?(?:engineer|employee|intern|apprentice|analyst|associate|operator)\b",
    re.IGNORECASE,
)
# "人選中", "he will let me know the names later": the person is not decided yet
_UNDECIDED = re.compile(
    r"人選中|人選は|(?:名前|氏名|対象者)は(?:後ほど|追って|未定|決まり次第)|"
    r"\bnames? (?:later|TBD|TBC|to follow)\b|\blet me know the names?\b|"
    r"\bnot (?:yet )?(?:decided|chosen|selected|named)\b",
    re.IGNORECASE,
)
_FORWARDED = re.compile(
    r"下記|以下の(?:とおり|通り)|転送|\bforward(?:ing|ed)?\b|\bbelow\b|"
    r"\bsee (?:the )?(?:mail|email|message) (?:below|from)\b",
    re.IGNORECASE,
)
_LISTED_NAMES = re.compile(
    r"\d+\s?名\s?[(（][^)）]{2,40}[)）]|\d+ (?:people|staff|persons?) \([^)]{3,60}\)"
)
_NAME_LIST = re.compile(
    r"名簿|氏名|対象者(?:一覧|リスト)|\d+\s?名分|names?|list|roster", re.IGNORECASE
)
# a foreign name written in katakana (Sudachi does not tag it): ナロン・シーサワット さん
_KATAKANA_NAME = re.compile(r"[\u30a1-\u30faー]{2,}(?:・[\u30a1-\u30faー]{2,})+\s?(?:さん|様|氏)")
_SELF = re.compile(
    r"私|自分|わたくし|小職|\bI\b|\bI'(?:m|d|ve|ll)\b|\bmy\b|\bme\b|\bmyself\b",
    re.IGNORECASE,
)
_ID = re.compile(
    r"社員番号\s*[:：]?\s*[A-Z]?\d{3,}|employee (?:id|no\.?|number)\s*[:#]?\s*[A-Z]?\d{3,}",
    re.IGNORECASE,
)
_EN_TITLE = re.compile(r"\b(?:Mr|Ms|Mrs|Miss|Dr)\.?\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?")
_EN_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ \t]+(?:van |de |von )?[A-Z][a-z'\-]+)+\b")
_EN_NOT_NAME = re.compile(
    r"^(?:Hi|Hello|Dear|Thanks|Thank|Best|Kind|Regards|Please|Could|Can|Would|The|This|That|"
    r"Our|My|We|He|She|They|It|Also|HR|IT|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Team|Sales|Accounting|Finance|Legal|Procurement|General|Affairs|Sorano|"
    r"Dept|Department|Office|Singapore|Tokyo|Osaka|Customer|Service|Support|Let|If|When|"
    r"Since|For|From|On|In|At|As|After|Before|Just|Note|Re|Fw|Fwd|Subject)\b"
)


# "at Tanjung Priok port", "the Kuala Lumpur office", "around Hari Raya": a place or a
# holiday, not the person the request is about
_PLACE_BEFORE = re.compile(r"\b(?:the|at|in|around|near|into|over|during)\s+$", re.IGNORECASE)
_PLACE_AFTER = re.compile(
    r"^\s+(?:office|port|branch|site|plant|factory|warehouse|cent(?:er|re)|campus|store|depot|"
    r"region|holidays?|festival)\b",
    re.IGNORECASE,
)


def _en_place(text: str, m: re.Match[str]) -> bool:
    return bool(
        _PLACE_BEFORE.search(text[max(0, m.start() - 8) : m.start()])
        or _PLACE_AFTER.match(text[m.end() : m.end() + 12])
    )


_SELF_INTRO = ("です", "でございます", "と申します", "より", "でした")
_PRONOUN = re.compile(r"^(?:彼|彼女|he|she|they)\b", re.IGNORECASE)


def _introduces_self(text: str, name: str, start: int) -> bool:
    """"五十嵐です", "松岡より": the sender giving their own name."""
    return text[start + len(name) : start + len(name) + 6].lstrip().startswith(_SELF_INTRO)


def _ja_others(text: str) -> list[tuple[str, int]]:
    return [(n, s) for n, s in ja_person_names(text) if not _introduces_self(text, n, s)]


def _en_names(text: str) -> list[re.Match[str]]:
    """English personal names, not greetings, months or places ("the Kuala Lumpur office")."""
    return [
        m for m in _EN_NAME.finditer(text)
        if not _EN_NOT_NAME.match(m.group(0)) and not _en_place(text, m)
    ]  # fmt: skip


def _antecedent(view: View, cue: re.Match[str]) -> str | None:
    """A name before a pronoun cue ("Andrei's permit ... He's on shift"): who it means."""
    before = view.own_text[: cue.start()]
    if view.lang == "ja":
        others = _ja_others(before)
        return others[0][0] if others else None
    names = _en_names(before)
    return names[0].group(0) if names else None


def _named_third_party(view: View, cue: re.Match[str] | None) -> SlotFinding | None:
    for part in view.parts:
        text = part.text
        if view.lang == "ja":
            k = _KATAKANA_NAME.search(text)
            if k:
                return found("person", k.group(0), part.source)
            for name, start in _ja_others(text):
                return found("person", snippet(text, start, start + len(name), pad=8), part.source)
        m = _EN_TITLE.search(text) or _ID.search(text)
        if m:
            return found("person", m.group(0), part.source)
        if view.lang != "ja" and part.source == "thread":
            for m in _EN_NAME.finditer(text):
                if not _EN_NOT_NAME.match(m.group(0)):
                    return found("person", m.group(0), part.source)
        if view.lang != "ja" and cue is not None and part.source in ("subject", "body"):
            lo, hi = max(0, cue.start() - 60), cue.end() + 80
            for m in _en_names(view.own_text[lo:hi]):
                return found("person", m.group(0), part.source)
    return None


def _self_intro_starts(view: View) -> list[int]:
    if view.lang != "ja":
        return []
    text = view.own_text
    return [s for n, s in ja_person_names(text) if _introduces_self(text, n, s)]


def detect_person(view: View) -> SlotFinding:
    """The employee concerned: a named third party, or the sender asking for themselves."""
    undecided = _UNDECIDED.search(view.own_text)
    if undecided and not _ID.search(view.text):
        return missing("person", undecided.group(0))
    intros = _self_intro_starts(view)
    tp = None
    for m in _THIRD_PARTY.finditer(view.own_text):
        if any(0 <= s - m.end() <= 12 for s in intros):
            continue  # "5月1日入社予定の五十嵐です": the sender describing themselves
        tp = m
        break
    named = _named_third_party(view, tp)
    if tp is None:
        if named is not None:
            return named
        f = match_finding("person", view, _SELF, ("subject", "body"))
        if f is not None:
            return found("person", f.evidence, "sender")
        return found("person", "(the sender)", "sender")
    if named is not None:
        return named
    if _PRONOUN.match(tp.group(0)):
        name = _antecedent(view, tp)
        if name is not None:
            return found("person", name, "body")
    if view.thread and _FORWARDED.search(view.own_text):
        return found("person", view.thread.strip().split("\n")[0][:60], "thread")  # their own mail
    names = _LISTED_NAMES.search(view.own_text)
    if names:
        return found("person", names.group(0), "body")
    listed = _NAME_LIST.search(view.own_text)
    if listed and view.attachments:
        return found("person", view.attachments[0], "attachment")  # "names attached"
    return missing("person", tp.group(0))
