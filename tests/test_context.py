"""One test per slot detector, Japanese and English: found with evidence, and missing."""

from __future__ import annotations

from datetime import datetime

import pytest

from triage.context import check, detect
from triage.context.view import split_body
from triage.records import RequestText
from triage.taxonomy import REQUIRED_SLOTS

SENT_JA = datetime.fromisoformat("2026-03-24T10:00:00+09:00")
SENT_EN = datetime.fromisoformat("2026-03-24T10:00:00-05:00")


def rt(body: str, lang: str, subject: str = "", attachments: tuple[str, ...] = ()) -> RequestText:
    sent = SENT_JA if lang == "ja" else SENT_EN
    return RequestText(subject, body, attachments, sent, lang)


CASES = [
    # slot, type, lang, text that gives it, evidence fragment, text that lacks it
    (
        "reason",
        "sales_support",
        "ja",
        "先方の新ラインの立ち上げが早まったため、納期を前倒ししたいです。",
        "ため",
        "大和精機様の契約を変更したいです。手続きをお願いします。",
    ),
    (
        "reason",
        "procurement",
        "en",
        "We need a new chair because the old one is broken.",
        "because",
        "Please order a new chair for me.",
    ),
    (
        "customer",
        "sales_support",
        "ja",
        "株式会社大和精機様の納期を変更したいです。",
        "大和精機",
        "お客様から納期を変えてほしいと言われました。",
    ),
    (
        "customer",
        "sales_support",
        "en",
        "Redfern Dairy Co-op asked us to re-issue the quote.",
        "Redfern",
        "The customer asked us to re-issue the quote.",
    ),
    (
        "counterparty",
        "legal",
        "ja",
        "株式会社テクノ商事とのNDAを確認してください。",
        "テクノ商事",
        "NDAのひな形を確認してください。",
    ),
    (
        "counterparty",
        "legal",
        "en",
        "Please review the NDA with Kallang Precision Pte Ltd.",
        "Kallang",
        "Please review the NDA before we sign.",
    ),
    (
        "deadline",
        "general_affairs",
        "ja",
        "会議室の椅子を本日中に交換してください。",
        "本日中",
        "会議室の椅子を交換してください。",
    ),
    (
        "deadline",
        "general_affairs",
        "en",
        "Please replace the chair in room B by Friday.",
        "Friday",
        "Please replace the chair in room B.",
    ),
    (
        "amount",
        "accounting",
        "ja",
        "会食費 18,400円 を精算してください。",
        "18,400円",
        "会食費を精算してください。",
    ),
    (
        "amount",
        "accounting",
        "en",
        "Please reimburse JPY 18,400 for the dinner.",
        "JPY 18,400",
        "Please reimburse the dinner.",
    ),
    (
        "item",
        "general_affairs",
        "ja",
        "3階のエアコンが止まりました。",
        "エアコン",
        "備品を用意してください。",
    ),
    (
        "item",
        "general_affairs",
        "en",
        "The kitchen fridge is leaking.",
        "fridge",
        "Could you get us some supplies?",
    ),
    (
        "quantity",
        "procurement",
        "ja",
        "モニターを3台購入したいです。",
        "3台",
        "モニターを購入したいです。台数は確認中です。",
    ),
    (
        "quantity",
        "procurement",
        "en",
        "Please order 5 licences of Acrobat.",
        "5 licences",
        "Please order Acrobat licences.",
    ),
    (
        "date",
        "hr",
        "ja",
        "4月1日から派遣の森さんが来ます。",
        "4月1日",
        "近々、有給を取りたいです。",
    ),
    (
        "date",
        "hr",
        "en",
        "I would like to take leave on April 6.",
        "April 6",
        "I would like to take some leave next month.",
    ),
    (
        "person",
        "hr",
        "ja",
        "派遣の森 直樹さんの勤怠登録をお願いします。",
        "森",
        "部下の勤怠登録をお願いします。",
    ),
    (
        "person",
        "hr",
        "en",
        "Please set up payroll for our new hire, Anna Schmidt.",
        "Anna Schmidt",
        "Please set up payroll for a new temp starting soon.",
    ),
    (
        "system",
        "it",
        "ja",
        "Outlookでメールが送信できません。",
        "Outlook",
        "共有フォルダが開けません。",
    ),
    (
        "system",
        "it",
        "en",
        "My laptop will not boot since this morning.",
        "laptop",
        "I forgot my password again, please reset.",
    ),
    (
        "symptom",
        "it",
        "ja",
        "Salesforceにログインできません。",
        "でき",
        "Salesforceの調子がおかしいです。",
    ),
    (
        "symptom",
        "it",
        "en",
        'Excel shows "file is locked" when I open it.',
        "file is locked",
        "Excel is not working properly.",
    ),
    ("attachment", "accounting", "ja", "領収書を添付します。", "", "領収書を添付します。"),
    (
        "attachment",
        "legal",
        "en",
        "Please check the attached contract.",
        "",
        "Please check the attached contract.",
    ),
]


@pytest.mark.parametrize(("slot", "type_", "lang", "given", "evidence", "lacking"), CASES)
def test_slot_found_with_evidence_and_missing(
    slot: str, type_: str, lang: str, given: str, evidence: str, lacking: str
) -> None:
    attachments: tuple[str, ...] = ()
    if slot == "attachment":
        attachments = ("receipt_0324.pdf",) if type_ == "accounting" else ("contract_draft.docx",)
    f = detect(slot, rt(given, lang, attachments=attachments), type_)
    assert f.found, (slot, given)
    assert evidence in f.evidence
    assert f.source in ("subject", "body", "thread", "attachment", "sender")
    g = detect(slot, rt(lacking, lang), type_)
    assert not g.found, (slot, lacking, g.evidence)


def test_attached_documents_stand_in_for_details() -> None:
    r = rt("経費精算をお願いします。", "ja", attachments=("領収書_0324.pdf",))
    res = check(r, "accounting")
    assert res.missing == ()
    amount = next(f for f in res.findings if f.slot == "amount")
    assert amount.source == "attachment"
    legal = check(
        rt(
            "Please review before Friday because sales wants to sign.",
            "en",
            attachments=("MSA_draft_v2.docx",),
        ),
        "legal",
    )
    assert "counterparty" not in legal.missing and "attachment" not in legal.missing
    shot = detect("symptom", rt("Teams again...", "en", attachments=("screenshot.png",)), "it")
    assert shot.found and shot.source == "attachment"


def test_thread_counts_as_context() -> None:
    body = (
        "Any update on this?\n\n-----Original Message-----\n"
        "From: X\nWe need it because of the audit."
    )
    f = detect("reason", rt(body, "en"), "procurement")
    assert f.found and f.source == "thread"


def test_sender_is_the_person_when_about_themselves() -> None:
    f = detect("person", rt("I'd like to take a day off on 3/30.", "en"), "hr")
    assert f.found and f.source == "sender"
    g = detect("person", rt("4月1日付で退職したいです。\n\n設計課 松岡", "ja"), "hr")
    assert g.found


def test_signature_is_not_a_customer() -> None:
    body = "Please register the order.\n\nBest regards,\nDaniel Kim\nSorano Instruments Inc."
    assert not detect("customer", rt(body, "en"), "sales_support").found
    new, sig, _ = split_body(body)
    assert "Sorano" in sig and "Sorano" not in new


def test_check_uses_required_table_and_needs_clarification() -> None:
    r = rt("A社の契約を変更したいです。", "ja")
    res = check(r, "sales_support")
    assert res.missing == ("reason", "deadline")
    assert res.needs_clarification
    assert check(r, "other").findings == ()
    custom = check(r, "sales_support", {"sales_support": ("customer",)})
    assert custom.missing == () and [f.slot for f in custom.findings] == ["customer"]
    assert set(REQUIRED_SLOTS["sales_support"]) == {f.slot for f in res.findings}


def test_check_reports_the_deadline() -> None:
    res = check(rt("大和精機様の件、3/27までにお願いします。", "ja"), "sales_support")
    assert res.deadline is not None and res.deadline.business_days == 3


@pytest.mark.parametrize(
    ("lang", "body", "found_"),
    [
        ("en", "Please fix the problem at the warehouse entrance by tomorrow.", False),
        ("en", "We need some new stuff for the meeting rooms.", False),
        ("en", "Please order the gauges Kevin mentioned in Monday's meeting, 4 pcs.", False),
        ("en", "Please order 12 more of the blue ones for the warehouse.", False),
        ("en", "The mirror in the restroom on the 1st floor is cracked.", True),
        ("en", "Could you book the boardroom for Thursday 2-5pm?", True),
        ("ja", "会議室の備品が壊れています。交換お願いします。", False),
        ("ja", "先週と同じ部材を30セットお願いします。", False),
        ("ja", "6F会議室Bのドアノブがぐらぐらしています。", True),
        ("ja", "7F会議室Aを予約させてください。", True),
        ("en", "We're short on the safety stuff. Can you get some ordered by Monday?", False),
        ("en", "Please prepare the things he'll need for his desk.", False),
        ("en", "Could you get the space set up with whatever they'll need by the 23rd?", False),
        ("en", "Could you order the standard kit for each new technician?", False),
        ("en", "Something in the break room on 2 is broken again, can facilities check?", False),
        ("en", "Could I book one of the pool cars for a client visit on Friday?", True),
        ("en", "The emergency kit on level 2 is missing the torch. Please restock it.", True),
        ("en", "We need the stuff for reception sorted: two coat racks and a bin.", True),
        ("en", "Please get it fixed by Friday - the one by the window in the open office.", False),
        ("en", "We need the broken one in room 3 replaced before tomorrow's workshop.", False),
        # people, dates and requests are not things; a katakana department is not one
        ("en", "We have 2 new starters on the 9th, please set them up with the usual.", False),
        ("en", "Please replace the one that failed on Tuesday.", False),
        ("ja", "マーケティング部の川口です。展示会で使うもの一式をお願いします。", False),
        ("en", "Please order 4 cases of 500 ml hand soap refills.", True),
        ("en", "Order 3 more like last time, about $40 each.", False),
        ("ja", "カスタマーサポート課の森です。ホワイトボードを1台お願いします。", True),
    ],
)
def test_item_needs_a_thing_not_a_place_or_a_back_reference(
    lang: str, body: str, found_: bool
) -> None:
    f = detect("item", rt(body, lang), "general_affairs")
    assert f.found is found_, (body, f.evidence)
    if not found_:
        assert f.evidence  # says what was too vague to act on


@pytest.mark.parametrize(
    ("lang", "body"),
    [
        ("en", "Please sort out the purchase request by 14 March, thanks."),
        ("en", "Line 2 down again, please order asap."),
        # a sound, a company, a sign-off or the front desk do not name the thing
        ("ja", "最近、倉庫の奥でカタカタと音がします。見てもらえますか。"),
        ("ja", "株式会社サクラ設計の方から、共用部の件で連絡がありました。"),
        ("ja", "エントランスがまた止まってます\niPhoneから送信"),
        ("en", "I mentioned it at the front desk on Monday, still not sorted."),
    ],
)
def test_item_is_not_a_request_date_sound_or_sign_off(lang: str, body: str) -> None:
    assert detect("item", rt(body, lang), "general_affairs").found is False, body


def test_item_evidence_does_not_cut_words() -> None:
    f = detect("item", rt("", "en", subject="Monitor purchase for the new team"), "procurement")
    assert f.found
    assert f.evidence.split()[0] == "Monitor" and "purch " not in f.evidence + " "
    g = detect("item", rt("The mirror in the restroom is cracked.", "en"), "general_affairs")
    assert "mirror" in g.evidence


@pytest.mark.parametrize(
    ("lang", "body", "found_"),
    [
        ("en", "Hi IT, my second monitor has stopped working. Could someone pop by?", False),
        ("en", "Got error message when open file.", False),
        ("en", "Box Drive is not syncing properly. Could you check?", False),
        ("en", "Email cannot send since morning. Error 'mailbox full'.", True),
        ("en", "The fan on my laptop is really loud.", True),
        ("en", "When I print to PDF nothing happens. No error at all.", True),
        ("ja", "エラーが出て進めません。", False),
        ("ja", "プロジェクタ、壊れてるかもしれません。見てもらえますか。", False),
        ("ja", "会議室のモニターに画面がうまく映りません。", False),
        ("ja", "スキャンすると「WMS接続エラー E-502」と表示されます。", True),
        ("ja", "外付けモニタの文字がぼやけて見えます。見ていただけますか。", True),
    ],
)
def test_symptom_must_say_what_is_wrong(lang: str, body: str, found_: bool) -> None:
    f = detect("symptom", rt(body, lang), "it")
    assert f.found is found_, (body, f.evidence)
    assert f.evidence  # the error text, or the vague wording that did not say it


@pytest.mark.parametrize(
    ("lang", "body", "evidence"),
    [
        ("en", "Can you get hearing protection earmuffs (3M Peltor X4A, $32 each)?", None),
        ("en", "Please order O-ring kits for the FM-300 service vans, $62/kit.", None),
        ("en", "We need welding wire (MIG ER70S-6, 1.0mm, 15kg roll) today.", None),
        ("en", "Please order 4 Dell WD19S docking stations.", "4 Dell WD19S docking stations"),
        ("en", "Please reorder what we got last week, same quantity.", "same quantity"),
        ("ja", "サーマルペースト（信越 X-23-7868-2D）、1本 3,200円です。", None),
        ("ja", "ストレッチフィルム（500mm×300m）を購入したいです。", None),
        ("ja", "ノギスを3本お願いします。1本 8,900円です。", "3本"),
        ("ja", "いつもの部品がなくなりました。いつもの数でお願いします。", "いつもの数"),
        ("en", "Please add 1 Bosch GLL3-330CG laser level to the next order.", "add 1 B"),
        ("en", "Please rent one 20kW diesel generator from Sunbelt.", "rent one 2"),
        ("en", "Can you get a quote for an ergonomic chair for me?", "an ergonomic chair"),
        ("en", "Could we get a few more Dell WD19S docks? About AUD 290 each.", None),
        ("en", "Re-order the gloves from Coastal - same prices ($14.50 a box, $38 a case).", None),
        ("en", "Line 3 is down; we need replacement bearings (SKF 6205-2RS) today.", None),
    ],
)
def test_quantity_is_not_a_unit_price_size_or_model_number(
    lang: str, body: str, evidence: str | None
) -> None:
    f = detect("quantity", rt(body, lang), "procurement")
    assert f.found is (evidence is not None), (body, f.evidence)
    if evidence is not None:
        assert evidence in f.evidence


@pytest.mark.parametrize(
    ("lang", "body", "found_"),
    [
        ("en", "A picker fell from a ladder on dock 3. I need to know what to report.", False),
        ("en", "The review for my new inventory clerk is due. Could you send me the form?", False),
        ("en", "A couple of people in my team are coming up to 10 years' service.", False),
        ("en", "He will nominate two plant managers and let me know the names later.", False),
        ("en", "I'd like to take a day off on 3/30.", True),
        ("ja", "研修に申し込みたいです。対象：開発部の若手2名（人選中）", False),
        ("ja", "海外出張中の課員がいて面談が終わっていません。", False),
        ("ja", "課員の ナロン・シーサワット さんが一時帰国しています。", True),
        ("en", "Someone on my team has asked about going part-time next year.", False),
        ("en", "One of the longest-serving guys in the workshop hits 25 years.", False),
        ("en", "A member of my team has asked about moving to the Kuala Lumpur office.", False),
        ("en", "Several of my team want leave in August. What is the policy?", False),
        ("en", "Luis Ibarra cut his hand. The clinic wants our workers' comp carrier.", True),
        ("ja", "新しく入った方から、健康保険証がまだ届いていないと相談がありました。", False),
        ("ja", "夜勤の人が一人、連絡がつかないまま出勤していません。", False),
        ("ja", "新しく入った山田花子さんの通勤手当の申請書を教えてください。", True),
        # a pronoun or a role stands for someone not named; a name before it says who
        ("en", "She has asked me twice about her pension transfer. Who handles that?", False),
        ("en", "Our part-timer worked the holiday; is that paid at the higher rate?", False),
        ("en", "Somebody in Logistics says the overtime was left out of March pay.", False),
        ("en", "Priya Raman's visa expires soon. She's abroad until Friday.", True),
        ("en", "I need to speak to someone in HR about my contract.", True),
        ("ja", "バイトの子が源泉徴収票を欲しいと言っています。", False),
        ("ja", "彼女から、育休の延長をしたいと相談がありました。", False),
    ],
)
def test_person_a_described_third_party_is_not_named(lang: str, body: str, found_: bool) -> None:
    f = detect("person", rt(body, lang), "hr")
    assert f.found is found_, (body, f.evidence)
    assert f.evidence


@pytest.mark.parametrize(
    ("lang", "body"),
    [
        ("ja", "ヒノデ工機様 納期を来週火曜に変更してください。理由は聞いてません。"),
        ("en", "Acme Ltd wants the delivery moved to Friday because... they did not say why."),
    ],
)
def test_reason_stated_as_unknown_is_missing(lang: str, body: str) -> None:
    f = detect("reason", rt(body, lang), "sales_support")
    assert not f.found
    assert f.evidence in body


@pytest.mark.parametrize(
    ("body", "found_"),
    [
        ("The toilet on the 12th floor is overflowing, please send someone now.", True),
        ("Could you copy the key? Only the building super has one right now.", False),
        ("Their invoices should now go to Norland Group Services Ltd.", False),
        ("Please deep clean the 2nd floor kitchen.", False),
    ],
)
def test_deadline_now_is_asked_for_not_described(body: str, found_: bool) -> None:
    f = detect("deadline", rt(body, "en"), "general_affairs")
    assert f.found is found_, (body, f.evidence)


def test_deadline_japanese_frequency_is_not_a_day() -> None:
    f = detect("deadline", rt("トイレの清掃が1日2回では追いつきません。", "ja"), "general_affairs")
    assert not f.found, f.evidence
    g = detect("deadline", rt("トイレの清掃を27日までにお願いします。", "ja"), "general_affairs")
    assert g.found and "27日" in g.evidence


@pytest.mark.parametrize(
    ("body", "found_"),
    [
        ("We were served a subpoena this morning by counsel for Harcastle. Copy attached.", False),
        ("Finance had three back-pain complaints this morning, so we'd like 4 chairs.", False),
        ("Please review the attached NDA and send it back this morning.", True),
    ],
)
def test_deadline_time_of_a_past_event_is_not_by_when(body: str, found_: bool) -> None:
    f = detect("deadline", rt(body, "en"), "legal")
    assert f.found is found_, (body, f.evidence)


TYPE_OF = {"reason": "sales_support", "system": "it", "counterparty": "legal"}


@pytest.mark.parametrize(
    ("slot", "lang", "body", "found_"),
    [
        # reason: stock phrases that sound like a reason and give none
        ("reason", "ja", "先方の要望により、納品日を10日に変更してください。", False),
        ("reason", "ja", "諸事情により、契約期間を3月末で区切りたいです。", False),
        ("reason", "ja", "必要になったので、NDAのひな形を1部ください。", False),
        ("reason", "en", "The client wants the order split for business reasons.", False),
        ("reason", "en", "Please extend the quote as discussed, by Friday.", False),
        # reason: a consequence or a marked purpose is one
        ("reason", "en", "Approve it today, otherwise the container stays at the port.", True),
        ("reason", "ja", "今週発行しないと、先方の稟議に間に合いません。", True),
        ("reason", "ja", "新人研修用のノートを30冊購入してください。", True),
        ("reason", "ja", "先方の要望により、工場移転に伴い納品先を変えます。", True),
        # system: known by its use or as a product; an extension number is not one
        ("system", "ja", "端末の件で折り返しください。内線4410", False),
        ("system", "ja", "2階の入退室管理端末がまた反応しません。", True),
        ("system", "ja", "POSレジ3番で決済が通りません。", True),
        ("system", "en", "The reception kiosk tablet shows 'No network' again.", True),
        ("system", "en", "Having trouble exporting from QuickBooks today.", True),
        # counterparty: not the addressee, not a role
        ("counterparty", "ja", "法務部 三好様\n\n例の会社との契約書の確認を。", False),
        ("counterparty", "en", "Please check the NDA with the vendor we used.", False),
        ("counterparty", "en", "Please check the NDA with Harbourline by Friday.", True),
        ("counterparty", "ja", "法務部 三好様\n\n株式会社北斗精機との契約書です。", True),
    ],
)
def test_slot_needs_the_detail_not_a_formula(
    slot: str, lang: str, body: str, found_: bool
) -> None:
    f = detect(slot, rt(body, lang), TYPE_OF[slot])
    assert f.found is found_, (body, f.evidence)
