"""The demo's sample mail: a dozen requests as staff would send them, built fresh at run time
so that their Date headers (and so deadlines like 「今週金曜」) are relative to today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

DOMAIN = "example.co.jp"


@dataclass(frozen=True)
class Sample:
    key: str
    sender: str
    name: str
    subject: str
    body: str
    attachments: tuple[tuple[str, str], ...] = ()  # (filename, mime type)
    headers: tuple[tuple[str, str], ...] = ()
    charset: str = "utf-8"


SAMPLES: tuple[Sample, ...] = (
    Sample("sales-complete", "kenta.mori@example.co.jp", "森 健太", "納期前倒しのお願い（北斗工業様）",
           "受注管理ご担当者様\n\nお疲れ様です。大阪営業所の森です。\n\n"
           "株式会社北斗工業様より、受注番号 SO-26-1182（制御盤 8台）の納期を5/20から5/13に"
           "前倒ししてほしいとの依頼がありました。先方の新ラインの稼働開始が1週間早まったためです。\n"
           "工場の在庫は確認済みです。今週金曜までに受注データの納期変更をお願いできますでしょうか。\n\n"
           "よろしくお願いいたします。\n\n--\n森 健太\n大阪営業所 営業1課 内線 5521"),
    Sample("sales-missing", "yui.sato@example.co.jp", "佐藤 結衣", "見積書の作成依頼",
           "お疲れ様です。佐藤です。\nミドリ商事様向けの見積書を作成していただけますか。\nよろしくお願いします。"),
    Sample("it-urgent", "daniel.park@example.co.jp", "Daniel Park", "URGENT: VPN down, cannot reach SAP",
           "Hi IT,\n\nSince 8am GlobalProtect keeps failing with \"Gateway tokyo-gw02 unreachable\" "
           "on my laptop, so I cannot reach SAP at all. A customer is waiting for a shipment "
           "release this morning. Please call me ASAP on 080-1234-5678.\n\nThanks,\nDaniel"),
    Sample("expense-complete", "emma.clark@example.co.jp", "Emma Clark", "Expense claim: taxi to customer site",
           "Hello Accounting,\n\nPlease reimburse my taxi fare to Hokuto Industries on 12 May, "
           "JPY 4,200. The receipt is attached.\n\nBest regards,\nEmma Clark\nOverseas Sales",
           attachments=(("receipt_0512.pdf", "application/pdf"),)),
    Sample("hr-complete", "takuya.ito@example.co.jp", "伊藤 拓也", "在籍証明書の発行依頼",
           "人事部 御中\n\nお疲れ様です。技術部の伊藤拓也です。\n住宅ローンの審査で必要になったため、"
           "私の在籍証明書を1部発行していただけますでしょうか。\n6月3日に銀行へ提出する予定です。\n\n"
           "よろしくお願いいたします。\n伊藤 拓也", charset="iso-2022-jp"),
    Sample("procurement-missing", "liam.wong@example.co.jp", "Liam Wong", "Monitor purchase",
           "Hi Procurement,\n\nCould you order monitors for our team?\n\nCheers,\nLiam"),
    Sample("ga-complete", "haruka.kobayashi@example.co.jp", "小林 遥", "会議室Bのプロジェクター故障",
           "総務ご担当者様\n\n7階会議室Bのプロジェクターが電源が入らなくなりました。"
           "明日10時からお客様との打ち合わせで使うため、明日の朝までに修理か代替機の手配をお願いします。\n\n"
           "小林"),
    Sample("legal-complete", "olivia.brown@example.co.jp", "Olivia Brown", "NDA review: Nordlicht GmbH",
           "Dear Legal team,\n\nPlease review the attached NDA with Nordlicht GmbH. We want to share "
           "drawings of the new flow sensor with them for a joint evaluation, so we need it signed "
           "by next Friday.\n\nKind regards,\nOlivia Brown\nBusiness Development",
           attachments=(("NDA_Nordlicht_draft.docx",
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),)),
    Sample("thanks", "sophie.martin@example.co.jp", "Sophie Martin", "Thank you!",
           "Hi all,\n\nJust wanted to say thanks for the quick help with the office move last week. "
           "Much appreciated!\n\nSophie"),
    Sample("it-vague", "shota.yamamoto@example.co.jp", "山本 翔太", "PCの件",
           "情シスの皆さま\n\nお疲れ様です。山本です。\nなんだか調子がおかしいので見てもらえますか。\n\n山本"),
    Sample("out-of-office", "akira.tanaka@example.co.jp", "田中 明", "自動応答: 不在のお知らせ",
           "5月10日まで出張のため不在にしております。急ぎの件は営業部までご連絡ください。",
           headers=(("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes"))),
    Sample("invoice-complete", "mika.suzuki@example.co.jp", "鈴木 美香", "請求書の支払い依頼",
           "経理部 御中\n\n㈱ヤマト運輸様からの4月分請求書（①配送料 ②保管料、合計 132,000円、4月30日付）を"
           "添付します。支払期日の5月31日までにお支払いをお願いいたします。\n\n鈴木",
           attachments=(("請求書_ヤマト_2026-04.pdf", "application/pdf"),), charset="iso-2022-jp"),
)


def build(sample: Sample, *, to: str, now: datetime) -> tuple[bytes, str]:
    """RFC 5322 bytes for one sample and its Message-ID."""
    msg = EmailMessage()
    msg["From"] = f"{sample.name} <{sample.sender}>"
    msg["To"] = to
    msg["Subject"] = sample.subject
    msg["Date"] = format_datetime(now)
    mid = make_msgid(domain=DOMAIN)
    msg["Message-ID"] = mid
    for k, v in sample.headers:
        msg[k] = v
    if sample.charset == "iso-2022-jp":
        # Outlook-style: CP932 characters (①, ㈱) inside mail labelled ISO-2022-JP
        body = sample.body.replace("\n", "\r\n") + "\r\n"
        payload = _cp932_as_jis(body)
        msg.set_payload(payload, charset=None)
        msg["Content-Type"] = 'text/plain; charset="ISO-2022-JP"'
        msg["Content-Transfer-Encoding"] = "7bit"
        msg["MIME-Version"] = "1.0"
    else:
        msg.set_content(sample.body)
    for filename, mime in sample.attachments:
        maintype, subtype = mime.split("/", 1)
        if msg.get_content_maintype() != "multipart" and sample.charset == "iso-2022-jp":
            msg = _to_multipart(msg)
        msg.add_attachment(b"%PDF-1.4 demo attachment\n", maintype=maintype, subtype=subtype,
                           filename=filename)
    return msg.as_bytes(), mid


def _cp932_as_jis(text: str) -> str:
    """Encode as ISO-2022-JP the way Outlook does, CP932 extensions included."""
    return text.encode("iso2022_jp_ext", errors="strict").decode("ascii") \
        if all(_jis_ok(c) for c in text) else text.encode("iso2022_jp_3").decode("ascii")


def _jis_ok(c: str) -> bool:
    try:
        c.encode("iso2022_jp_ext")
        return True
    except UnicodeEncodeError:
        return False


def _to_multipart(msg: EmailMessage) -> EmailMessage:
    outer = EmailMessage()
    for k in ("From", "To", "Subject", "Date", "Message-ID"):
        outer[k] = msg[k]
    inner = EmailMessage()
    inner.set_payload(msg.get_payload(), charset=None)
    inner["Content-Type"] = 'text/plain; charset="ISO-2022-JP"'
    inner["Content-Transfer-Encoding"] = "7bit"
    outer.make_mixed()
    outer.attach(inner)
    return outer


REPLY_TO_CLARIFICATION = {
    "sales-missing": "佐藤です。ご確認ありがとうございます。\n\n"
                     "1. 先方が来期の設備予算を申請するのに使うためです。\n"
                     "2. 今月25日までにお願いします。\n\nよろしくお願いします。",
    "procurement-missing": "Hi,\n\n1. By 18 December, please.\n"
                           "2. About JPY 32,000 each, JPY 160,000 in total.\n"
                           "3. Five 27-inch monitors.\n\nThanks,\nLiam",
}
