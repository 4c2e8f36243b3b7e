"""The default vocabulary of ../shared/TAXONOMY.md: types, urgency levels, slots.

An organisation may override types and required slots in its config; this module holds
the shipped defaults and the order that labelled files use.
"""

from __future__ import annotations

TYPES: tuple[str, ...] = (
    "hr",
    "accounting",
    "procurement",
    "it",
    "legal",
    "general_affairs",
    "sales_support",
    "other",
)

URGENCIES: tuple[str, ...] = ("urgent", "high", "normal", "low")

SLOTS: tuple[str, ...] = (
    "reason",
    "customer",
    "counterparty",
    "deadline",
    "amount",
    "item",
    "quantity",
    "date",
    "person",
    "system",
    "symptom",
    "attachment",
)

REQUIRED_SLOTS: dict[str, tuple[str, ...]] = {
    "hr": ("date", "person"),
    "accounting": ("amount", "date", "attachment"),
    "procurement": ("reason", "deadline", "amount", "item", "quantity"),
    "it": ("system", "symptom"),
    "legal": ("reason", "counterparty", "deadline", "attachment"),
    "general_affairs": ("deadline", "item"),
    "sales_support": ("reason", "customer", "deadline"),
    "other": (),
}

TYPE_NAMES_JA: dict[str, str] = {
    "hr": "人事・労務",
    "accounting": "経理・財務",
    "procurement": "購買・調達",
    "it": "情報システム",
    "legal": "法務・コンプライアンス",
    "general_affairs": "総務",
    "sales_support": "営業サポート・受注管理",
    "other": "その他",
}

TYPE_NAMES_EN: dict[str, str] = {
    "hr": "HR",
    "accounting": "Accounting",
    "procurement": "Procurement",
    "it": "IT",
    "legal": "Legal & Compliance",
    "general_affairs": "General Affairs",
    "sales_support": "Sales Support",
    "other": "Other",
}


def order_slots(slots: set[str] | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Slots in TAXONOMY order, as labelled files list them."""
    wanted = set(slots)
    return tuple(s for s in SLOTS if s in wanted)
