"""GDPR: erase an account or a contact from the warehouse, and export what it holds about one.

Which tables: every base table in the project's schemas, found through ``information_schema``
(so a table added later is covered without a change here). The project's schemas are those of
its dbt sources, models, snapshots, seeds and tests, read from the manifest (``dbt parse``), so
raw schemas moved with vars are followed. Views (staging) hold nothing: they recompute.

What erasure does, table by table (``docs/security.md`` has the reasoning):

* **Raw tables of the contract.** An account: its rows (every table keyed or filtered by
  ``account_id``) are deleted, and references to it from other accounts' rows
  (``parent_account_id``) are set to null. A contact: its rows in ``contacts`` (every version)
  are deleted; the account's business records that name it (``activities.contact_id``,
  ``tickets.requester_id``) are kept with the reference set to null, and the free text the
  person wrote (``tickets.subject``) is set to null too. Erasing an account erases its contacts.
* **Tables dbt rebuilds (intermediate, marts, calibration, quarantine...).** Any row with a
  text column that holds the id, one of the contacts' ids, emails or phones, or equals one of
  their email/phone hashes, is deleted. The next build recomputes them from the cleaned raw
  tables, so deleting too much here costs nothing lasting.
* **Snapshots, seeds, the delivery state (``delivery.*``), and tables the project does not
  know.** Nothing recomputes them, so only
  rows with a text column *equal* to the account's or a contact's id are deleted (a reference
  column such as ``parent_account_id`` is set to null instead). Emails and phones are not ids
  (people share phone numbers): no row is deleted for them here (their mentions are redacted,
  below). A seed that held the id would come back from its CSV on the next build: the result
  says so.
* **Mentions in free text, everywhere** (:mod:`.mentions`). What is left of other people's
  notes and ticket subjects (the contract's free-text columns) and of the text columns of built
  tables and snapshots that can carry them (``override_reason``) is searched for the subject's
  ids, emails, phone numbers (on their digits) and names (the account's name, and any the user
  gives); the matched words are replaced by ``[erased]``, the rest of the text stays.

Everything above runs in one transaction: an error leaves the warehouse as it was. A dry run
does the same work and rolls it back, so its counts are exact. After the commit, every table
changed is vacuumed and analyzed (Postgres) or the database checkpointed (DuckDB), so that no
dead row version and no planner statistic keeps the erased values; then the files the project
wrote under ``reports/`` are redacted (:mod:`.files`).

An export takes, from every table, the rows with a text column equal to one of those ids, and
lists the rows whose free text mentions the subject (table, column, row key, text).
"""

from __future__ import annotations

from pathlib import Path

from customer_health import dbt as dbt_runner
from customer_health.privacy.access import Export, default_export_path, export
from customer_health.privacy.discovery import (
    ACCOUNT,
    CONTACT,
    KINDS,
    Subject,
    is_account_reference,
    is_contact_column,
    is_free_text,
)
from customer_health.privacy.erasure import Change, Erasure, Maintenance, erase
from customer_health.privacy.files import FileChange
from customer_health.privacy.mentions import REDACTED
from customer_health.privacy.sql import NotFound, PrivacyError, check_warehouse


def default_report_dirs() -> list[Path]:
    """Where the project writes files that can hold row values: ``reports/`` (run summary,
    tiers record, GX results, Data Docs, exports)."""
    return [dbt_runner.project_dir() / "reports"]


__all__ = [
    "ACCOUNT",
    "CONTACT",
    "KINDS",
    "REDACTED",
    "Change",
    "Erasure",
    "Export",
    "FileChange",
    "Maintenance",
    "NotFound",
    "PrivacyError",
    "Subject",
    "check_warehouse",
    "default_export_path",
    "default_report_dirs",
    "erase",
    "export",
    "is_account_reference",
    "is_contact_column",
    "is_free_text",
]
