"""Parsing of raw inbound mail into ParsedMessage (see parse())."""

from triage.parsing.quotes import find_refs, normalize_subject, split_quotes

__all__ = ["find_refs", "normalize_subject", "split_quotes"]
