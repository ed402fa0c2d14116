"""Files the project writes that can hold row values, redacted by an erasure.

Under ``reports/`` a run leaves the run summary (``run_summary.json``: failing expectations with
a sample of unexpected values and row keys), the last tiers record
(``run_summary.last_tiers.json``: every account's id), Great Expectations' stored validation
results (``gx/uncommitted/validations/**.json``, with the same samples) and the Data Docs
rendered from them (``data_docs/**.html``); an export leaves ``exports/<kind>_<id>.json``.

Every text file under the directories given is searched for the subject's ids, the ids of the
raw rows erased with it (payments, invoices, tickets...), its hashes, emails, phone numbers and
names, and each is replaced by ``[erased]``. A JSON file is read as JSON: a value is redacted, a
member whose key is an erased id (an account in the tiers record) is removed, so the file stays
what its reader expects. A file whose name holds an erased id (an export of the subject) is
deleted: it is a copy of what was erased.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from customer_health.privacy.mentions import REDACTED, Needles, Redactor

TEXT_SUFFIXES = frozenset({".json", ".html", ".htm", ".csv", ".txt", ".md", ".yml", ".yaml"})
_RUN = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class FileChange:
    path: Path
    action: str  # "redacted" or "deleted"
    values: int  # values replaced (or members removed); for a deleted file, 0


def _redact_runs(text: str, ids: frozenset[str]) -> tuple[str, int]:
    """Replace the ids found as whole words in ``text``: an id is a run of letters, digits,
    ``_`` and ``-``, or a part of one cut at ``_`` or ``-`` (``contact_C0001234``)."""
    hits = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal hits
        token = match.group(0)
        if token in ids:
            hits += 1
            return REDACTED
        parts = re.split(r"([_-])", token)  # words at even indexes, separators between
        if len(parts) == 1:
            return token
        out, i = [], 0
        while i < len(parts):
            for k in range(len(parts) - 1, i - 1, -2):  # the longest span of words first
                if "".join(parts[i : k + 1]) in ids:
                    hits += 1
                    out.append(REDACTED)
                    i = k + 1
                    break
            else:
                out.append(parts[i])
                i += 1
            if i < len(parts):  # the separator after the word or the span
                out.append(parts[i])
                i += 1
        return "".join(out)

    return _RUN.sub(replace, text), hits


class FileRedactor:
    def __init__(self, ids: Iterable[str], needles: Needles) -> None:
        ids = {i for i in ids if i}
        self.ids = frozenset(i for i in ids if _RUN.fullmatch(i))
        odd = frozenset(ids - self.ids)  # ids with other characters: found as literals
        needles = Needles(needles.literals | odd, needles.phones)
        self.text = Redactor(needles)
        self.html = Redactor(needles.with_html_escapes())

    def redact(self, text: str, page: bool = False) -> tuple[str, int]:
        text, hits = (self.html if page else self.text)(text)
        text, more = _redact_runs(text, self.ids)
        return text, hits + more

    def holds_id(self, name: str) -> bool:
        return _redact_runs(name, self.ids)[1] > 0


def _redact_json(value: Any, redact: Callable[[str], tuple[str, int]]) -> tuple[Any, int]:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        items = [_redact_json(v, redact) for v in value]
        return [v for v, _ in items], sum(h for _, h in items)
    if isinstance(value, dict):
        out, hits = {}, 0
        for key, item in value.items():
            if redact(str(key))[1]:  # keyed by an erased id: the member goes
                hits += 1
                continue
            out[key], more = _redact_json(item, redact)
            hits += more
        return out, hits
    return value, 0


def _indent(text: str) -> int | None:
    match = re.search(r"^( +)\S", text, re.MULTILINE)
    return len(match.group(1)) if match else None


def redact_file(path: Path, redactor: FileRedactor, dry_run: bool) -> int:
    """Redact one file in place; how many values it replaced or removed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 0
    hits = 0
    if path.suffix.lower() == ".json":
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if document is not None:
            redacted, hits = _redact_json(document, redactor.redact)
            if hits and not dry_run:
                out = json.dumps(redacted, indent=_indent(text), ensure_ascii=False)
                path.write_text(out + ("\n" if text.endswith("\n") else ""), encoding="utf-8")
            return hits
    page = path.suffix.lower() in (".html", ".htm")
    redacted_text, hits = redactor.redact(text, page=page)
    if hits and not dry_run:
        path.write_text(redacted_text, encoding="utf-8")
    return hits


def redact_files(
    directories: Iterable[Path], redactor: FileRedactor, dry_run: bool
) -> list[FileChange]:
    """Redact every text file under the directories (see the module doc)."""
    changes: list[FileChange] = []
    seen: set[Path] = set()
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*")):
            real = path.resolve()
            if real in seen or not path.is_file() or path.is_symlink():
                continue
            seen.add(real)
            if redactor.holds_id(path.name):
                if not dry_run:
                    path.unlink()
                changes.append(FileChange(path, "deleted", 0))
                continue
            if path.suffix.lower() not in TEXT_SUFFIXES:
                continue
            hits = redact_file(path, redactor, dry_run)
            if hits:
                changes.append(FileChange(path, "redacted", hits))
    return changes
