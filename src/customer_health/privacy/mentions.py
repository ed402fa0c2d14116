"""Mentions of the subject inside free text: found, listed for an export, redacted in place.

A note or a ticket subject written by someone else can hold the person's email, phone number
or name, or an account's id or name. They are matched case-insensitively, as whole words (an
id is not found inside a longer id), and a phone number on its digits whatever the separators
(``+44 20 7946 0123`` also matches ``+44-20-7946-0123`` and ``(44) 2079460123``). Only the
matched text is replaced, by ``[erased]``; the rest of the note stays.

The warehouse narrows a column's distinct texts with a regular expression both engines read
the same way (no boundaries: RE2 has no look-around); Python decides on each text with the
exact one.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from customer_health.privacy.discovery import Subject, Table
from customer_health.privacy.sql import Session, ident, literal, regex_match

REDACTED = "[erased]"
MIN_PHONE_DIGITS = 7  # fewer digits than a phone number: a count, a date, an amount
MIN_WORD_LENGTH = 3  # shorter names and ids would be found in too many words
_SQL_SPECIAL = set(".^$*+?()[]{}|\\")
_SEPARATOR = "[^0-9A-Za-z]{0,3}"  # between two digits of a phone number; the same in all three
_EMAIL_CHARS = "A-Za-z0-9._%+-"


def _sql_literal_pattern(value: str) -> str:
    out = []
    for word_index, word in enumerate(value.split()):
        if word_index:
            out.append(r"\s+")
        out.extend("\\" + ch if ch in _SQL_SPECIAL else ch for ch in word)
    return "".join(out)


def _python_literal_pattern(value: str) -> str:
    body = r"\s+".join(re.escape(word) for word in value.split())
    email = "@" in value
    before = f"(?<![{_EMAIL_CHARS}])" if email else "(?<![A-Za-z0-9])"
    after = r"(?![A-Za-z0-9-]|\.[A-Za-z0-9])" if email else "(?![A-Za-z0-9])"
    return (
        (before if value[0].isalnum() or email else "")
        + body
        + (after if value[-1].isalnum() else "")
    )


def _digits(phone: str) -> str:
    return re.sub(r"[^0-9]", "", phone)


@dataclass(frozen=True)
class Needles:
    """What to look for: literal values (ids, emails, names) and phone numbers."""

    literals: frozenset[str]
    phones: frozenset[str]  # digits only

    @classmethod
    def of(cls, subject: Subject) -> Needles:
        literals = subject.ids | (subject.personal_values - subject.phones) | subject.names
        return cls(
            frozenset(v.strip() for v in literals if len(v.strip()) >= MIN_WORD_LENGTH),
            frozenset(d for d in map(_digits, subject.phones) if len(d) >= MIN_PHONE_DIGITS),
        )

    def with_html_escapes(self) -> Needles:
        """The literals also as an HTML page writes them (O'Brien as O&#x27;Brien)."""
        escaped = {html.escape(v) for v in self.literals}
        escaped |= {v.replace("&#x27;", "&#39;") for v in escaped}
        return Needles(self.literals | escaped, self.phones)

    def __bool__(self) -> bool:
        return bool(self.literals or self.phones)

    def _python_parts(self) -> list[str]:
        parts = [_python_literal_pattern(v) for v in self.literals]
        parts += [
            r"(?<![0-9])(?:\(?\+\s?|\(|00\s?)?" + _SEPARATOR.join(d) + "(?![0-9])"
            for d in self.phones
        ]
        return sorted(parts, key=lambda p: (-len(p), p))  # the longest first

    def python(self) -> re.Pattern[str]:
        return re.compile("|".join(self._python_parts()) or "(?!)", re.IGNORECASE)

    def sql(self) -> str:
        """The same without the boundaries: it finds every row the exact pattern would."""
        parts = [_sql_literal_pattern(v) for v in sorted(self.literals)]
        parts += [_SEPARATOR.join(d) for d in sorted(self.phones)]
        return "|".join(parts)


class Redactor:
    """Replaces every mention of the needles in a text with ``[erased]``."""

    def __init__(self, needles: Needles) -> None:
        self.needles = needles
        self.pattern = needles.python()

    def __call__(self, text: str) -> tuple[str, int]:
        """The text with its mentions replaced, and how many there were."""
        if not self.needles:
            return text, 0
        return self.pattern.subn(REDACTED, text)


@dataclass(frozen=True)
class Mention:
    table: str
    column: str
    key: dict[str, Any]
    text: str


def _matching_texts(
    session: Session, table: Table, column: str, needles: Needles
) -> list[tuple[str, int]]:
    """The column's distinct texts that the warehouse's pattern finds, with their row counts.
    The pattern runs once per distinct text, not once per row: most of these columns repeat a
    few texts over many rows (a factor's name, a tier, a verdict). The aggregate is
    materialized so that no planner moves the filter back below it."""
    where = regex_match(session.engine, "t", needles.sql())
    return [
        (str(text), int(count))
        for text, count in session.query(
            f"with d as materialized (select {ident(column)} as t, count(*) as n "
            f"from {table.sql} group by {ident(column)}) select t, n from d where {where}"
        )[1]
        if text is not None
    ]


def redact_table(session: Session, table: Table, needles: Needles) -> dict[str, int]:
    """Redact the mentions in the table's free-text columns, in place: rows changed per
    column. Every row with the same text gets the same redacted text, so one update per text."""
    if not needles:
        return {}
    redactor = Redactor(needles)
    out: dict[str, int] = {}
    for column in table.free_text_columns():
        changed = 0
        for text, count in _matching_texts(session, table, column, needles):
            redacted, hits = redactor(text)
            if not hits:
                continue
            session.execute(
                f"update {table.sql} set {ident(column)} = {literal(redacted)} "
                f"where {ident(column)} = {literal(text)}"
            )
            changed += count
        if changed:
            out[column] = changed
    return out


def find_mentions(session: Session, table: Table, needles: Needles) -> list[Mention]:
    """The rows whose free text mentions the subject, with what names each row."""
    if not needles:
        return []
    pattern = needles.python()
    whole = needles.literals
    keys = table.key_columns()
    out = []
    for column in table.free_text_columns():
        # a text that is the id itself is no mention: the export lists the row among those
        # holding it
        texts = [
            text
            for text, _ in _matching_texts(session, table, column, needles)
            if text.strip() not in whole and pattern.search(text)
        ]
        if not texts:
            continue
        select = ", ".join(map(ident, (*keys, column)))
        rows = session.query(
            f"select {select} from {table.sql} where {ident(column)} in "
            f"({', '.join(map(literal, sorted(texts)))})"
        )[1]
        out += [
            Mention(table.label, column, dict(zip(keys, row[:-1], strict=True)), row[-1])
            for row in rows
        ]
    return out
