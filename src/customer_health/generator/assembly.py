"""Assembly: run the blocks of a chunk and turn their internal arrays into contract frames
(formatted ids, dates, tz-aware timestamps), plus the truth frames; and :func:`generate`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from customer_health import contract
from customer_health.generator.accounts import Accounts
from customer_health.generator.billing import Billing
from customer_health.generator.block import NULL, Params, Table
from customer_health.generator.commercial import Commercial
from customer_health.generator.lifecycle import Lifecycle
from customer_health.generator.params import BLOCK_SIZE, DEFAULT_END_DATE, FEATURES, MESS
from customer_health.generator.product import Product
from customer_health.generator.relationship import Relationship
from customer_health.generator.support import Support

# entity -> (id prefix, minimum digits)
_ID_FORMAT: dict[str, tuple[str, int]] = {
    "account": ("A", 6),
    "contact": ("C", 7),
    "activity": ("ACT", 8),
    "sentiment": ("S", 6),
    "contract": ("K", 6),
    "opportunity": ("O", 6),
    "event": ("E", 8),
    "user": ("U", 7),
    "ticket": ("T", 7),
    "subscription": ("SUB", 6),
    "change": ("PC", 6),
    "invoice": ("INV", 7),
    "payment": ("PAY", 7),
    "dispute": ("DSP", 6),
}
# (table key, id column) -> entity the column refers to
_ID_COLUMNS: dict[tuple[str, str], str] = {
    ("crm.contacts", "contact_id"): "contact",
    ("crm.activities", "activity_id"): "activity",
    ("crm.activities", "contact_id"): "contact",
    ("crm.sentiment", "sentiment_id"): "sentiment",
    ("crm.contracts", "contract_id"): "contract",
    ("crm.opportunities", "opportunity_id"): "opportunity",
    ("product.events", "event_id"): "event",
    ("product.events", "user_id"): "user",
    ("support.tickets", "ticket_id"): "ticket",
    ("support.tickets", "requester_id"): "contact",
    ("billing.subscriptions", "subscription_id"): "subscription",
    ("billing.plan_changes", "change_id"): "change",
    ("billing.plan_changes", "subscription_id"): "subscription",
    ("billing.invoices", "invoice_id"): "invoice",
    ("billing.payments", "payment_id"): "payment",
    ("billing.payments", "invoice_id"): "invoice",
    ("billing.disputes", "dispute_id"): "dispute",
    ("billing.disputes", "invoice_id"): "invoice",
}
_CRM_TZ_COLUMNS = {("crm.activities", "occurred_at"), ("crm.sentiment", "recorded_at")}

_TABLE_KEYS: tuple[str, ...] = tuple(f"{t.source}.{t.name}" for t in contract.TABLES)

_DIGITS4 = (
    np.array([f"{i:04d}" for i in range(10_000)], dtype="S4").view(np.uint8).reshape(10_000, 4)
)


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Object array of ``prefix`` + the number zero-padded to ``width`` digits (more if needed).

    Negative numbers (:data:`NULL`) give None. Vectorised: the digits are written into one
    byte buffer, decoded once and split, so no Python loop runs over the elements.
    """
    nums = np.asarray(numbers, dtype=np.int64).ravel()
    if nums.size == 0:
        return np.empty(0, dtype=object)
    if nums.min() < 0:
        out = np.full(nums.size, None, dtype=object)
        valid = np.flatnonzero(nums >= 0)
        if valid.size:
            out[valid] = format_ids(prefix, nums[valid], width)
        return out
    top = int(nums.max())
    if top < 10**width:
        return _format_fixed(prefix, nums, width)
    out = np.empty(nums.size, dtype=object)
    lower = 0
    while lower <= top:
        upper = 10**width
        sel = np.flatnonzero((nums >= lower) & (nums < upper))
        out[sel] = _format_fixed(prefix, nums[sel], width)
        lower, width = upper, width + 1
    return out


def _format_fixed(prefix: str, nums: np.ndarray, width: int) -> np.ndarray:
    """format_ids for non-negative numbers below 10**width."""
    groups = -(-width // 4)
    digits = np.empty((nums.size, groups * 4), dtype=np.uint8)
    v = nums
    for g in range(groups - 1, -1, -1):
        digits[:, g * 4 : (g + 1) * 4] = _DIGITS4[v % 10_000]
        v = v // 10_000
    pre = np.frombuffer(prefix.encode(), dtype=np.uint8)
    line = np.empty((nums.size, pre.size + width + 1), dtype=np.uint8)
    line[:, : pre.size] = pre
    line[:, pre.size : -1] = digits[:, groups * 4 - width :]
    line[:, -1] = 10  # newline separator
    text = line.tobytes().decode("ascii").split("\n")
    text.pop()
    return np.array(text, dtype=object)


class Block(Accounts, Commercial, Lifecycle, Relationship, Support, Billing, Product):
    """One block of accounts: simulate everything, return internal column arrays per table."""

    def run(self) -> None:
        self._accounts()
        self._trajectories()
        self._commercial()
        self._contacts()
        self._activities()
        self._sentiment()
        self._tickets()
        self._billing()
        self._events()
        self._account_table()


def _features_frame(p: Params) -> pd.DataFrame:
    loaded = pd.Timestamp(p.start_date, tz="UTC") - pd.Timedelta(days=400)
    frame = pd.DataFrame(
        {
            "feature_key": [f[0] for f in FEATURES],
            "feature_name": [f[1] for f in FEATURES],
            "is_key_feature": [f[2] for f in FEATURES],
            "org_id": pd.Series([None] * len(FEATURES), dtype=object),
            "_loaded_at": pd.Series([loaded] * len(FEATURES)).astype("datetime64[us, UTC]"),
            "_is_deleted": False,
        }
    )
    return frame[contract.table("product", "features").column_names]


def _org_ids(p: Params, account_numbers: np.ndarray) -> np.ndarray:
    """Tenant per account number: None for a single tenant, else org_1..org_n (hashed)."""
    if p.orgs <= 1:
        return np.full(account_numbers.size, None, dtype=object)
    org = (account_numbers * 2_654_435_761) % (2**32) % p.orgs
    names = np.array([f"org_{i + 1}" for i in range(p.orgs)], dtype=object)
    return names[org]


def _to_series(kind: str, values: np.ndarray, required: bool, tz: str = "UTC") -> Any:
    if kind == "timestamp":
        s = pd.Series(
            values.astype(np.int64, copy=False).view("datetime64[us]"), copy=False
        ).dt.tz_localize("UTC")
        return s.dt.tz_convert(tz) if tz != "UTC" else s
    if kind == "date":
        return pd.Series(values.astype(np.int64).view("datetime64[D]").astype(object), dtype=object)
    if kind == "integer":
        v = values.astype(np.int64, copy=False)
        if required:
            return pd.Series(v, copy=False)
        mask = v == NULL
        return pd.Series(pd.arrays.IntegerArray(np.where(mask, 0, v), mask), copy=False)
    if kind == "numeric":
        return pd.Series(values.astype(np.float64, copy=False), copy=False)
    if kind == "boolean":
        return pd.Series(values.astype(bool, copy=False), copy=False)
    return pd.Series(values, dtype=object, copy=False)


_DATE_COLUMNS = {c.name for t in contract.TABLES for c in t.columns if c.type == "date"}


def _shift(v: np.ndarray, offset: int) -> np.ndarray:
    """Add an offset to internal numbers (ids, days), keeping NULL as NULL."""
    out = v + offset
    null = v == NULL
    if null.any():
        out[null] = NULL
    return out


def _id_series(entity: str, numbers: np.ndarray) -> pd.Series:
    """Formatted ids for internal numbers (NULL -> None).

    When numbers repeat (account or user ids on events), each distinct number in the range is
    formatted once and rows share the string objects.
    """
    prefix, width = _ID_FORMAT[entity]
    nums = np.asarray(numbers, dtype=np.int64)
    if nums.size:
        null = nums == NULL
        has_null = bool(null.any())
        present = nums[~null] if has_null else nums
        if present.size:
            lo, hi = int(present.min()), int(present.max())
            if hi - lo + 1 < nums.size:
                names = np.append(format_ids(prefix, np.arange(lo, hi + 1), width), None)
                idx = np.where(null, hi - lo + 1, nums - lo) if has_null else nums - lo
                return pd.Series(names[idx], dtype=object, copy=False)
    return pd.Series(format_ids(prefix, nums, width), dtype=object, copy=False)


def _frame(columns: dict[str, pd.Series]) -> pd.DataFrame:
    """A frame from equally long series without copying them into consolidated blocks."""
    return pd.concat(list(columns.values()), axis=1, keys=list(columns))


def _assemble(p: Params, blocks: list[Block]) -> dict[str, pd.DataFrame]:
    """Concatenate the blocks of a chunk into contract frames."""
    out: dict[str, pd.DataFrame] = {}
    feature_keys = np.array([f[0] for f in FEATURES], dtype=object)
    for key in _TABLE_KEYS:
        if key == "product.features":
            continue
        t = contract.table(*key.split("."))
        cols: Table = {}
        for c in blocks[0].tables[key]:
            arrs = []
            for b in blocks:
                v = b.tables[key][c]
                if c == "_acct":
                    v = v + (b.first + 1)  # account numbers are 1-based
                elif c in _DATE_COLUMNS:
                    v = _shift(v, p.start_day)
                arrs.append(v)
            cols[c] = np.concatenate(arrs)
        accounts = cols.pop("_acct")
        data: dict[str, Any] = {}
        for col in t.all_columns:
            name = col.name
            if name == "account_id":
                data[name] = _id_series("account", accounts)
            elif name == "org_id":
                orgs = _org_ids(p, np.arange(p.accounts + 1))
                data[name] = pd.Series(orgs[accounts], dtype=object, copy=False)
            elif (key, name) in _ID_COLUMNS:
                data[name] = _id_series(_ID_COLUMNS[(key, name)], cols[name])
            elif name == "parent_account_id":
                data[name] = _id_series("account", cols[name])
            elif key == "crm.accounts" and name == "website":
                data[name] = _websites(cols["account_name"], accounts)
            elif key == "product.events" and name == "feature_key":
                data[name] = pd.Series(feature_keys[cols[name]], dtype=object, copy=False)
            else:
                tz = MESS["crm_timezone"] if (key, name) in _CRM_TZ_COLUMNS else "UTC"
                data[name] = _to_series(col.type, cols[name], col.required, tz)
        out[key] = _frame(data)
    return out


def _websites(names: np.ndarray, accounts: np.ndarray) -> pd.Series:
    """A website per account row: its name as a slug plus its number (unique, so that the
    connector landings of docs/connectors.md can match billing, support and product records to
    the account by domain)."""
    slugs = {
        a: "-".join("".join(ch if ch.isalnum() else " " for ch in str(n).lower()).split())
        for a, n in zip(accounts.tolist(), names.tolist(), strict=True)
    }
    return pd.Series(
        [f"https://www.{slugs[a]}-{a}.example" for a in accounts.tolist()], dtype=object
    )


def _truth_frames(p: Params, blocks: list[Block]) -> dict[str, pd.DataFrame]:
    """The hidden truth of a chunk: latents, planted churn probabilities and outcomes, and the
    lifecycle (episodes, contractions, reactivations). Day numbers (``*_day``) become dates
    (``*_date``)."""
    out = {}
    for name in ("accounts", "renewals", "episodes", "contractions", "reactivations"):
        cols = {
            k: np.concatenate([b.truth[name][k] for b in blocks]) for k in blocks[0].truth[name]
        }
        data: dict[str, Any] = {"account_id": _id_series("account", cols.pop("account"))}
        for k, v in cols.items():
            if k.endswith("_day"):
                data[k.removesuffix("_day") + "_date"] = _to_series("date", v, False)
            elif k == "subscription":
                data["subscription_id"] = _id_series("subscription", v)
            else:
                data[k] = pd.Series(v, dtype=v.dtype, copy=False)
        out[f"truth.{name}"] = _frame(data)
    return out


def generate(
    accounts: int = 1000,
    days: int = 730,
    seed: int = 42,
    end_date: date = DEFAULT_END_DATE,
    chunk_size: int = 2000,
    progress: bool = False,
    orgs: int = 1,
    truth: bool = False,
) -> Iterator[dict[str, pd.DataFrame]]:
    """Yield the raw tables of a demo book of accounts, one dict per chunk of accounts.

    Keys are ``"source.table"`` (e.g. ``"product.events"``) and each frame has exactly the
    contract's columns, in order. ``product.features`` comes only in the first chunk. Chunks
    hold whole blocks of :data:`BLOCK_SIZE` accounts (``chunk_size`` is rounded up to a
    multiple); the data does not depend on ``chunk_size``.

    With ``orgs > 1`` accounts are spread over tenants ``org_1..org_n`` (``org_id``); with
    ``truth=True`` each chunk also carries ``truth.accounts`` and ``truth.renewals``: the hidden
    latents, planted churn probabilities and outcomes (not part of the raw contract).

    Text columns are object arrays of Python strings (None for nulls); in ``product.events`` the
    repeated ids share one string object per distinct value to keep memory bounded.
    """
    if accounts < 1 or days < 7:
        raise ValueError("need at least 1 account and 7 days")
    if orgs < 1:
        raise ValueError("orgs must be >= 1")
    p = Params(accounts=accounts, days=days, seed=seed, end_date=end_date, orgs=orgs)
    per_chunk = max(1, -(-chunk_size // BLOCK_SIZE))
    n_blocks = -(-accounts // BLOCK_SIZE)
    starts = list(range(0, n_blocks, per_chunk))
    counters: dict[str, int] = {}
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(starts), unit="chunk", desc="generating accounts")
    try:
        for c_i, b0 in enumerate(starts):
            blocks = []
            for b in range(b0, min(b0 + per_chunk, n_blocks)):
                first = b * BLOCK_SIZE
                block = Block(p, b, first, min(BLOCK_SIZE, accounts - first), counters)
                block.run()
                blocks.append(block)
            frames = _assemble(p, blocks)
            if c_i == 0:
                frames = {"product.features": _features_frame(p), **frames}
            if truth:
                frames.update(_truth_frames(p, blocks))
            yield frames
            del frames, blocks  # keep one chunk in memory, not two
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
