"""The demo generator: deterministic, contract-shaped, messy in the documented ways, with the
planted churn behaviour; and the loader's DuckDB round trip."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from customer_health import contract, generator, loader
from customer_health.generator import MESS, PLANTED_DRIVERS, SEATS_RANGE, generate
from customer_health.warehouse import Warehouse

SMALL = {"accounts": 60, "days": 200}
# Large enough for shares and churn rates to be stable, still well under a second.
BOOK = {"accounts": 400, "days": 240, "seed": 11}

Frames = dict[str, pd.DataFrame]


def collect(**kwargs: object) -> Frames:
    parts: dict[str, list[pd.DataFrame]] = {}
    for chunk in generate(**kwargs):  # type: ignore[arg-type]
        for key, frame in chunk.items():
            parts.setdefault(key, []).append(frame)
    return {key: pd.concat(frames, ignore_index=True) for key, frames in parts.items()}


@pytest.fixture(scope="module")
def book() -> Frames:
    return collect(**BOOK, chunk_size=100, truth=True)


def raw_keys() -> list[str]:
    return [f"{t.source}.{t.name}" for t in contract.TABLES]


# ------------------------------------------------------------------ determinism and shape


def test_same_seed_gives_identical_data() -> None:
    first, second = collect(**SMALL, seed=5), collect(**SMALL, seed=5)
    assert first.keys() == second.keys()
    for key in first:
        pd.testing.assert_frame_equal(first[key], second[key], obj=key)


def test_different_seed_gives_different_data() -> None:
    first, second = collect(**SMALL, seed=5), collect(**SMALL, seed=6)
    assert not first["crm.accounts"].equals(second["crm.accounts"])
    assert len(first["product.events"]) != len(second["product.events"])


def test_chunk_size_does_not_change_the_data() -> None:
    book_args = {"accounts": 2 * generator.BLOCK_SIZE + 7, "days": 120, "seed": 3}
    small_chunks = collect(**book_args, chunk_size=generator.BLOCK_SIZE)
    one_chunk = collect(**book_args, chunk_size=10_000)
    for key in one_chunk:
        pd.testing.assert_frame_equal(small_chunks[key], one_chunk[key], obj=key)


def test_chunks_have_exactly_the_contract_columns() -> None:
    chunks = list(generate(**SMALL, chunk_size=generator.BLOCK_SIZE))
    assert len(chunks) == 2
    for i, chunk in enumerate(chunks):
        expected = set(raw_keys()) - ({"product.features"} if i else set())
        assert set(chunk) == expected
        for key, frame in chunk.items():
            assert list(frame.columns) == contract.table(*key.split(".")).column_names, key


def test_timestamps_are_tz_aware_and_org_is_empty_by_default(book: Frames) -> None:
    for key in raw_keys():
        t = contract.table(*key.split("."))
        frame = book[key]
        for col in t.all_columns:
            if col.type == "timestamp":
                assert isinstance(frame[col.name].dtype, pd.DatetimeTZDtype), (key, col.name)
        assert frame["org_id"].isna().all(), key


def test_ids_carry_the_contract_prefixes(book: Frames) -> None:
    for t in contract.TABLES:
        for col in t.columns:
            if not col.name.endswith("_id") or col.name == "org_id":
                continue
            prefix = re.match(r"[A-Z]+", col.example)
            assert prefix, (t.name, col.name)
            values = book[f"{t.source}.{t.name}"][col.name].dropna()
            assert values.str.fullmatch(prefix.group(0) + r"\d+").all(), (t.name, col.name)


def account_versions(accounts: pd.DataFrame) -> pd.DataFrame:
    """crm.accounts with a `version` column: a new version wherever account_status or
    churn_date changes, in _loaded_at order (a duplicate repeats its version)."""
    accounts = accounts.sort_values(["account_id", "_loaded_at"])
    state = accounts["account_status"].fillna("-") + "|" + accounts["churn_date"].astype(str)
    changed = state != state.groupby(accounts["account_id"]).shift()
    return accounts.assign(version=changed.astype(int).groupby(accounts["account_id"]).cumsum())


def test_keys_are_unique_apart_from_the_planted_duplicates(book: Frames) -> None:
    for t in contract.TABLES:
        frame = book[f"{t.source}.{t.name}"]
        key = list(t.key)
        if t.name == "accounts":  # one row per version of the CRM's status, then duplicates
            frame, key = account_versions(frame), [*key, "version"]
        versions = frame.groupby(key, observed=True).size()
        assert versions.max() <= 2, t.name
        duplicated = versions[versions > 1]
        assert len(duplicated) <= 3 * MESS["duplicate_share"] * len(versions) + 3, t.name
        if len(duplicated):
            latest = frame.groupby(key, observed=True)["_loaded_at"].nunique()
            assert (latest[duplicated.index] == 2).all(), f"{t.name}: versions share _loaded_at"


def test_ids_are_unique_across_chunks() -> None:
    chunks = list(generate(**SMALL, chunk_size=generator.BLOCK_SIZE))
    events = pd.concat([c["product.events"] for c in chunks])
    accounts = pd.concat([c["crm.accounts"] for c in chunks])
    assert events.drop_duplicates("event_id").shape[0] > 0.98 * len(events)
    assert accounts["account_id"].nunique() == SMALL["accounts"]


# ------------------------------------------------------------------ messy data


def test_documented_messy_shares_are_roughly_present(book: Frames) -> None:
    events = book["product.events"]
    n_keys = events["event_id"].nunique()
    dup_share = (len(events) - n_keys) / n_keys
    assert 0.5 * MESS["duplicate_share"] < dup_share < 1.5 * MESS["duplicate_share"]
    deleted = events["_is_deleted"].mean()
    assert 0.5 * MESS["soft_delete_share"] < deleted < 1.5 * MESS["soft_delete_share"]
    lag = events["_loaded_at"] - events["occurred_at"]
    assert (lag > pd.Timedelta(0)).all(), "rows cannot land before they happen"
    first = events.sort_values("_loaded_at").drop_duplicates("event_id")  # not the re-syncs
    late = (first["_loaded_at"] - first["occurred_at"] > pd.Timedelta(days=2)).mean()
    assert 0.7 * MESS["late_share"] < late < 1.4 * MESS["late_share"]

    currencies = book["billing.subscriptions"].drop_duplicates("account_id")["currency"]
    shares = currencies.value_counts(normalize=True)
    for code, share in MESS["currency_shares"].items():
        assert abs(shares.get(code, 0.0) - share) < 0.08, code

    segments = book["crm.accounts"]["segment"]
    assert (segments != segments.str.strip().str.lower().str.replace(" ", "_")).any()
    assert set(segments.str.strip().str.lower().str.replace(" ", "_")) == set(SEGMENT_NAMES)
    assert book["crm.accounts"]["_is_deleted"].any(), "some whole accounts are soft-deleted"

    activities = book["crm.activities"]["occurred_at"]
    assert str(activities.dt.tz) == MESS["crm_timezone"]


SEGMENT_NAMES = ("enterprise", "mid_market", "smb")


def test_changed_duplicates_hold_the_older_state_first(book: Frames) -> None:
    tickets = book["support.tickets"].sort_values(["ticket_id", "_loaded_at"])
    pairs = tickets[tickets.duplicated("ticket_id", keep=False)]
    first, last = pairs.groupby("ticket_id").nth(0), pairs.groupby("ticket_id").nth(1)
    changed = first.set_index("ticket_id")["status"] != last.set_index("ticket_id")["status"]
    assert changed.any(), "some duplicated tickets carry an updated status"
    assert changed.mean() < 0.9, "and some are identical copies"
    stale = first.set_index("ticket_id")["status"][changed]
    assert (stale == "open").all()


def test_csat_is_mostly_missing_and_sentiment_gives_score_or_rag(book: Frames) -> None:
    tickets = book["support.tickets"]
    assert tickets["csat_score"].isna().mean() >= MESS["csat_missing_share"] - 0.05
    assert tickets["csat_score"].dropna().between(1, 5).all()
    assert set(tickets["priority"]) == {"urgent", "high", "normal", "low"}
    assert {"open", "pending"} & set(tickets["status"]) and "closed" in set(tickets["status"])
    sentiment = book["crm.sentiment"]
    has_score = sentiment["sentiment_score"].notna()
    assert (has_score ^ sentiment["rag"].notna()).all()
    overrides = sentiment[sentiment["override_tier"].notna()]
    assert 0 < len(overrides) < 0.08 * len(sentiment)
    days = (overrides["override_expires_at"] - overrides["recorded_at"]).dt.days
    assert days.between(29, 90).all()


# ------------------------------------------------------------------ the book itself


def test_accounts_segments_seats_and_contacts(book: Frames) -> None:
    truth = book["truth.accounts"]
    shares = truth["segment"].value_counts(normalize=True)
    assert shares["smb"] > shares["mid_market"] > shares["enterprise"] > 0.05
    seats = (
        book["product.seats"]
        .sort_values("effective_date")
        .drop_duplicates("account_id")
        .merge(truth[["account_id", "segment"]], on="account_id")
    )
    for segment, (lo, hi) in SEATS_RANGE.items():
        initial = seats.loc[seats["segment"] == segment, "licensed_seats"]
        assert initial.between(lo - 1, hi + 1).mean() > 0.97, segment
    contacts = book["crm.contacts"].drop_duplicates("contact_id", keep="last")
    roles = contacts.groupby(["account_id", "role"]).size().unstack(fill_value=0)
    assert (roles["sponsor"] == 1).all()
    assert (roles["champion"] >= 1).all() and (roles["admin"] >= 1).all()
    assert contacts["email"].dropna().str.contains(r"@.+\.example\.(?:com|org|net)$").all()
    left = contacts[(contacts["role"] == "champion") & contacts["active_to"].notna()]
    assert len(left) > 0, "champions leave"


def test_churn_is_higher_for_accounts_with_poor_latent_health(book: Frames) -> None:
    renewals = book["truth.renewals"]
    assert len(renewals) > 100
    assert 0.05 < renewals["churned"].mean() < 0.30
    low, high = renewals["driver_score"].quantile([1 / 3, 2 / 3])
    churn_low = renewals.loc[renewals["driver_score"] <= low, "churned"].mean()
    churn_high = renewals.loc[renewals["driver_score"] >= high, "churned"].mean()
    assert churn_low > 2 * churn_high
    accounts = book["truth.accounts"]
    assert (
        accounts.loc[accounts["churned"], "mean_health"].mean()
        < accounts.loc[~accounts["churned"], "mean_health"].mean()
    )


def test_signals_follow_their_own_family_latent(book: Frames) -> None:
    """Each family's raw signals carry its hidden latent, more than any other family's."""
    truth = book["truth.accounts"].set_index("account_id")
    seats = (
        book["product.seats"]
        .sort_values("effective_date")
        .drop_duplicates("account_id", keep="last")
        .set_index("account_id")["licensed_seats"]
    )
    events = book["product.events"].groupby("account_id").size() / seats
    tickets = book["support.tickets"].drop_duplicates("ticket_id", keep="last")
    tickets = tickets.groupby("account_id").size().reindex(truth.index, fill_value=0)
    tickets = tickets / np.sqrt(seats)
    invoices = book["billing.invoices"].sort_values("_loaded_at")
    invoices = invoices.drop_duplicates("invoice_id", keep="last")
    due = pd.to_datetime(invoices["due_date"])
    paid_late = pd.to_datetime(invoices["paid_date"]) > due
    unpaid = invoices["paid_date"].isna() & (due < due.max() - pd.Timedelta(days=30))
    late = (paid_late | unpaid).groupby(invoices["account_id"]).mean()
    activities = book["crm.activities"].drop_duplicates("activity_id", keep="last")
    meetings = activities[activities["activity_type"] == "meeting"]
    held = (meetings["outcome"] == "held").groupby(meetings["account_id"]).mean()
    signals = {  # signal -> (its family, expected sign, smallest |Spearman rho|)
        "events per seat": (events, "usage", 1, 0.7),
        "tickets per sqrt(seat)": (tickets, "support", -1, 0.5),
        "meetings held": (held, "relationship", 1, 0.35),
        "invoices late or unpaid": (late, "finance", -1, 0.45),
    }
    for name, (values, family, sign, floor) in signals.items():
        rho = {
            f: values.corr(truth[f"mean_{f}"].reindex(values.index), method="spearman")
            for f in generator.FAMILIES
        }
        assert sign * rho[family] > floor, (name, rho)
        assert max(rho, key=lambda f: sign * rho[f]) == family, (name, rho)


def test_planted_drivers_are_weights_per_segment() -> None:
    for segment, weights in PLANTED_DRIVERS.items():
        assert set(weights) == set(generator.FAMILIES), segment
        assert sum(weights.values()) == pytest.approx(1.0)
    assert max(PLANTED_DRIVERS["enterprise"], key=PLANTED_DRIVERS["enterprise"].get) == (
        "relationship"
    )
    assert PLANTED_DRIVERS["smb"]["usage"] + PLANTED_DRIVERS["smb"]["finance"] > 0.8


def test_churn_is_recorded_in_crm_and_billing_sometimes_only_one(book: Frames) -> None:
    opps = (
        book["crm.opportunities"]
        .sort_values("_loaded_at")
        .drop_duplicates("opportunity_id", keep="last")
    )
    subs = (
        book["billing.subscriptions"]
        .sort_values("_loaded_at")
        .drop_duplicates("subscription_id", keep="last")
    )
    renewals = opps[opps["opportunity_type"] == "renewal"]
    lost = set(renewals.loc[renewals["stage"] == "closed_lost", "account_id"])
    cancelled = set(subs.loc[subs["status"] == "cancelled", "account_id"])
    assert subs.loc[subs["status"] == "cancelled", "cancelled_at"].notna().all()
    assert lost & cancelled, "most churns are recorded in both systems"
    assert lost - cancelled, "some only in the CRM"
    assert cancelled - lost, "some only in billing"
    won = renewals[renewals["stage"] == "closed_won"]
    assert (won["amount"] < won["previous_amount"]).any(), "some renewals are downgrades"
    truth = book["truth.renewals"]
    assert set(truth.loc[truth["churned"], "recorded_in"]) == {"both", "crm", "billing"}


def test_churned_accounts_stop_producing_activity(book: Frames) -> None:
    truth = book["truth.accounts"]
    churned = truth[truth["churned"] & ~truth["reactivated"]].set_index("account_id")
    assert len(churned) > 5
    cutoff = pd.to_datetime(churned["churn_date"]).dt.tz_localize("UTC")
    for key, col in (
        ("product.events", "occurred_at"),
        ("support.tickets", "created_at"),
        ("crm.activities", "occurred_at"),
    ):
        frame = book[key]
        frame = frame[frame["account_id"].isin(cutoff.index)]
        last = frame.groupby("account_id")[col].max()
        assert (last < cutoff[last.index]).all(), key


# ------------------------------------------------------------------ lifecycles

# Two years, so that churned accounts have time to come back (and churn again).
LIFE = {"accounts": 400, "days": 730, "seed": 13}
LC = generator.LIFECYCLE


@pytest.fixture(scope="module")
def life() -> Frames:
    return collect(**LIFE, truth=True)


def latest(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """The latest version of each row (what staging keeps)."""
    return frame.sort_values("_loaded_at").drop_duplicates(key, keep="last")


def day(values: pd.Series) -> pd.Series:
    """Dates or timestamps (any zone) as UTC days, tz-naive."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize()
    return pd.to_datetime(values).astype("datetime64[us]")


def episode_of(frame: pd.DataFrame, col: str, episodes: pd.DataFrame) -> pd.DataFrame:
    """Each row's day, the episode started most recently before it, and whether the row falls
    inside that episode (before its end)."""
    rows = pd.DataFrame(
        {"account_id": frame["account_id"].astype("string").values, "day": day(frame[col]).values}
    )
    spans = episodes.assign(
        account_id=episodes["account_id"].astype("string"),
        start=day(episodes["start_date"]),
        end=day(episodes["end_date"]),
    )
    merged = pd.merge_asof(
        rows.sort_values("day"),
        spans[["account_id", "episode", "start", "end"]].sort_values("start"),
        left_on="day",
        right_on="start",
        by="account_id",
    )
    inside = merged["start"].notna() & (merged["end"].isna() | (merged["day"] < merged["end"]))
    return merged.assign(inside=inside)


def test_activity_happens_only_inside_paying_episodes(life: Frames) -> None:
    episodes = life["truth.episodes"]
    for key, id_col, col in (
        ("product.events", "event_id", "occurred_at"),
        ("support.tickets", "ticket_id", "created_at"),
        ("crm.activities", "activity_id", "occurred_at"),
        ("crm.sentiment", "sentiment_id", "recorded_at"),
        ("billing.invoices", "invoice_id", "issued_date"),
    ):
        rows = episode_of(latest(life[key], id_col), col, episodes)
        assert rows["inside"].all(), (key, rows[~rows["inside"]].head())
    # and a returning account is busy again: events in its new episode
    back = life["truth.reactivations"]
    end = pd.Timestamp(generator.DEFAULT_END_DATE)
    back = back[day(back["reactivation_date"]) < end - pd.Timedelta(days=30)]
    assert len(back) >= 10
    events = episode_of(life["product.events"], "occurred_at", episodes)
    busy = events.groupby(["account_id", "episode"]).size()
    again = back.set_index(["account_id", "episode"]).index.isin(busy.index)
    assert again.mean() > 0.9


def test_lifecycle_shares_are_present(life: Frames) -> None:
    truth = life["truth.accounts"]
    subs = latest(life["billing.subscriptions"], "subscription_id")
    first = subs.merge(life["truth.episodes"].query("episode == 1"), on="account_id")
    first = first[first["started_at"].dt.date == first["start_date"]]
    multi = first.groupby("account_id").size().gt(1).reindex(truth["account_id"], fill_value=0)
    by_segment = multi.groupby(truth.set_index("account_id")["segment"]).mean()
    for segment, share in LC["multi_subscription_share"].items():
        assert abs(by_segment[segment] - share) < 0.12, (segment, by_segment[segment])
    assert by_segment["enterprise"] > by_segment["mid_market"] > by_segment["smb"]
    assert first.groupby("account_id").size().max() == 3, "some accounts hold 3 subscriptions"
    assert set(first["plan"]) > set(generator.PLANS[:1]) | set(LC["add_on_price_usd"])
    # contractions are a modest share of the extra subscriptions
    extras = len(first) - first["account_id"].nunique()
    assert 0.05 * extras < len(life["truth.contractions"]) < 0.5 * extras
    # a quarter of churns come back, when there is time for it
    episodes = life["truth.episodes"]
    end = pd.Timestamp(generator.DEFAULT_END_DATE)
    early = episodes[
        episodes["churned"]
        & (day(episodes["end_date"]) < end - pd.Timedelta(days=LC["reactivation_delay_days"][1]))
    ]
    came_back = early.assign(episode=early["episode"] + 1).merge(
        episodes[["account_id", "episode"]], on=["account_id", "episode"]
    )
    assert len(early) > 40
    assert abs(len(came_back) / len(early) - LC["reactivation_share"]) < 0.12


def test_subscriptions_add_up_to_the_account(life: Frames) -> None:
    """The seats of an account's active subscriptions add up to its licensed seats, and their
    MRR to its invoices (monthly, or twelve months at once)."""
    truth = life["truth.accounts"].set_index("account_id")
    episodes = life["truth.episodes"]
    # a churn recorded only in the CRM leaves the old subscriptions 'active' in billing
    clean = truth.index.difference(episodes.loc[episodes["recorded_in"] == "crm", "account_id"])
    subs = latest(life["billing.subscriptions"], "subscription_id")
    subs = subs[subs["account_id"].isin(clean)]
    multi = subs.groupby("account_id").size().loc[lambda s: s > 1].index
    assert len(multi) > 30

    live = truth.index[truth["live_at_end"]].intersection(multi)
    active = subs[(subs["status"] == "active") & subs["account_id"].isin(live)]
    total = active.groupby("account_id")["seats"].sum()
    seats = life["product.seats"].sort_values("_loaded_at")
    seats = seats.drop_duplicates(["account_id", "effective_date"], keep="last")
    seats = seats.sort_values("effective_date").groupby("account_id")["licensed_seats"].last()
    assert (total == seats[total.index]).all()

    # invoices of accounts whose subscriptions never changed plan or seats
    changed = set(life["billing.plan_changes"]["account_id"])
    steady = [a for a in multi if a not in changed]
    assert len(steady) > 10
    invoices = latest(life["billing.invoices"], "invoice_id")
    invoices = invoices[invoices["account_id"].isin(steady) & (invoices["status"] != "void")]
    pairs = invoices.merge(subs, on="account_id", suffixes=("", "_sub"))
    issued = pd.to_datetime(pairs["issued_date"]).dt.tz_localize("UTC")
    running = (pairs["started_at"] <= issued) & (
        pairs["cancelled_at"].isna() | (pairs["cancelled_at"] > issued)
    )
    mrr = pairs[running].groupby("invoice_id")["mrr_amount"].sum()
    amount = invoices.set_index("invoice_id")["amount"][mrr.index]
    assert np.isclose(amount, mrr).sum() + np.isclose(amount, 12 * mrr).sum() == len(mrr)


def test_contractions_happen_while_another_subscription_continues(life: Frames) -> None:
    contractions = life["truth.contractions"]
    assert len(contractions) > 10
    subs = latest(life["billing.subscriptions"], "subscription_id")
    pairs = contractions.merge(subs, on="account_id", suffixes=("", "_sub"))
    when = pd.to_datetime(pairs["contraction_date"]).dt.tz_localize("UTC")
    dropped = pairs[pairs["subscription_id_sub"] == pairs["subscription_id"]]
    assert (dropped["status"] == "cancelled").all()
    assert (dropped["cancelled_at"] == when[dropped.index]).all()
    assert np.allclose(dropped["arr_lost"], 12 * dropped["mrr_amount"])
    others = pairs[
        (pairs["subscription_id_sub"] != pairs["subscription_id"])
        & (pairs["started_at"] <= when)
        & (pairs["cancelled_at"].isna() | (pairs["cancelled_at"] > when))
    ]
    assert set(others["subscription_id"]) == set(contractions["subscription_id"])
    # inside an episode that goes on past the contraction, so it is not a churn
    rows = episode_of(contractions, "contraction_date", life["truth.episodes"])
    assert rows["inside"].all()
    # and more likely when the finance and usage latents are low
    truth = life["truth.accounts"]
    holders = truth[truth["subscriptions"] > 1 + truth["reactivated"]]
    weak = holders["mean_finance"] + holders["mean_usage"]
    contracted = holders["contractions"] > 0
    assert weak[contracted].mean() < weak[~contracted].mean() - 0.05


def test_reactivations_start_a_new_subscription_and_contract(life: Frames) -> None:
    back = life["truth.reactivations"]
    assert back["gap_days"].between(*LC["reactivation_delay_days"]).all()
    subs = latest(life["billing.subscriptions"], "subscription_id")
    contracts = latest(life["crm.contracts"], "contract_id")
    started = set(zip(subs["account_id"], subs["started_at"].dt.date, strict=True))
    signed = set(zip(contracts["account_id"], contracts["start_date"], strict=True))
    for row in back.itertuples():
        assert (row.account_id, row.reactivation_date) in started
        assert (row.account_id, row.reactivation_date) in signed
    # the new episode's renewals follow the same churn model (so they may churn again)
    renewals = life["truth.renewals"]
    assert (renewals["episode"] > 1).any()
    model = generator.CHURN_MODEL
    logit = renewals["segment"].map(model["intercept"]) + model["slope"] * (
        model["reference"] - renewals["driver_score"]
    )
    assert np.allclose(renewals["churn_probability"], 1 / (1 + np.exp(-logit)))
    truth = life["truth.accounts"]
    assert (truth["reactivated"] == truth["account_id"].isin(back["account_id"])).all()


def test_the_crm_flags_churn_and_sometimes_contradicts_billing(life: Frames) -> None:
    accounts = latest(life["crm.accounts"], "account_id").set_index("account_id")
    versions = account_versions(life["crm.accounts"])
    churned_rows = versions[versions["account_status"] == "churned"]
    assert set(versions["account_status"].dropna()) == {"active", "churned"}
    assert churned_rows["churn_date"].notna().all()
    assert versions.loc[versions["account_status"] != "churned", "churn_date"].isna().all()
    # a share of churns is flagged, mostly on the churn day, a few days off otherwise
    episodes = life["truth.episodes"]
    ended = episodes[episodes["churned"]]
    flagged = ended["crm_flag_date"].notna()
    expected = LC["status_kept_share"] * LC["churn_flag_share"]
    assert abs(flagged.mean() - expected) < 0.12
    off = (pd.to_datetime(ended["crm_flag_date"]) - pd.to_datetime(ended["end_date"])).dt.days
    off = off[flagged]
    assert (off.abs() <= LC["churn_flag_offset_days"]).all()
    assert 0.5 < (off == 0).mean() < 0.95
    flags = set(zip(churned_rows["account_id"], churned_rows["churn_date"], strict=True))
    for row in ended[flagged].itertuples():
        assert (row.account_id, row.crm_flag_date) in flags
    # a flagged account that came back is active again on a later version of its row
    truth = life["truth.accounts"].set_index("account_id")
    back = episodes[(episodes["episode"] > 1) & ~episodes["churned"]]
    was_flagged = episodes.assign(episode=episodes["episode"] + 1).dropna(subset="crm_flag_date")
    reset = back.merge(was_flagged[["account_id", "episode"]], on=["account_id", "episode"])
    reset = reset[~truth.loc[reset["account_id"], "flag_conflict"].values]
    assert len(reset) > 3
    assert (accounts.loc[reset["account_id"], "account_status"] == "active").all()
    assert accounts.loc[reset["account_id"], "churn_date"].isna().all()
    # planted contradictions: paying at the end, subscription active, yet flagged churned
    conflict = truth.index[truth["flag_conflict"]]
    assert (accounts.loc[conflict, "account_status"] == "churned").all()
    assert truth.loc[conflict, "live_at_end"].all()
    subs = latest(life["billing.subscriptions"], "subscription_id")
    paying = set(subs.loc[subs["status"] == "active", "account_id"])
    assert set(conflict) <= paying
    eligible = truth["status_kept"] & truth["live_at_end"]
    share = truth.loc[eligible, "flag_conflict"].mean()
    assert 0.3 * LC["flag_conflict_share"] < share < 2.5 * LC["flag_conflict_share"]
    # the others leave the status empty or say active
    quiet = truth.index[~truth["status_kept"]]
    assert accounts.loc[quiet, "account_status"].isna().all()


def test_lifecycles_are_deterministic(life: Frames) -> None:
    again = collect(**LIFE, truth=True, chunk_size=150)
    for key in ("crm.accounts", "billing.subscriptions", "truth.episodes", "truth.contractions"):
        pd.testing.assert_frame_equal(life[key], again[key], obj=key)


def test_money_uses_the_account_currency(book: Frames) -> None:
    currency = (
        book["billing.subscriptions"]
        .drop_duplicates("account_id")
        .set_index("account_id")["currency"]
    )
    for key in (
        "crm.contracts",
        "crm.opportunities",
        "billing.invoices",
        "billing.payments",
        "billing.plan_changes",
        "billing.disputes",
    ):
        frame = book[key]
        assert (frame["currency"].values == currency[frame["account_id"]].values).all(), key
    invoices = book["billing.invoices"]
    late = pd.to_datetime(invoices["paid_date"]) > pd.to_datetime(invoices["due_date"])
    assert late.any() and (invoices["status"] == "open").any()
    assert (book["billing.payments"]["status"] == "failed").any()


def test_orgs_spread_accounts_without_changing_the_data() -> None:
    single, multi = collect(**SMALL, seed=2), collect(**SMALL, seed=2, orgs=3)
    assert set(multi["crm.accounts"]["org_id"]) == {"org_1", "org_2", "org_3"}
    org_of = multi["crm.accounts"].drop_duplicates("account_id").set_index("account_id")["org_id"]
    events = multi["product.events"]
    assert (events["org_id"].values == org_of[events["account_id"]].values).all()
    for key in single:
        pd.testing.assert_frame_equal(
            single[key].drop(columns="org_id"), multi[key].drop(columns="org_id"), obj=key
        )


def test_default_end_date_is_fixed() -> None:
    assert generator.DEFAULT_END_DATE == date(2026, 9, 30)
    events = collect(**SMALL)["product.events"]
    assert events["occurred_at"].max() < pd.Timestamp("2026-10-01", tz="UTC")


# ------------------------------------------------------------------ loading


def duck(path: Path) -> Warehouse:
    return Warehouse(engine="duckdb", duckdb_path=path)


def test_generate_and_load_round_trips_into_duckdb(tmp_path: Path) -> None:
    wh = duck(tmp_path / "raw.duckdb")
    counts = loader.generate_and_load(wh, **SMALL, seed=9, progress=False, chunk_size=50)
    expected = {k: len(v) for k, v in collect(**SMALL, seed=9).items()}
    assert counts == expected
    with duckdb.connect(str(wh.duckdb_path), read_only=True) as con:
        for key, rows in counts.items():
            t = contract.table(*key.split("."))
            assert con.execute(f"select count(*) from {t.schema}.{t.name}").fetchone() == (rows,)
        subjects = con.execute(
            "select subject from raw_support.tickets where strpos(subject, chr(10)) > 0"
        ).fetchall()
        deleted = con.execute("select count(*) from raw_product.events where _is_deleted")
        assert deleted.fetchone()[0] > 0
        kinds = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw_support' and table_name = 'tickets'"
            ).fetchall()
        )
    assert subjects, "free text with newlines survives the load"
    assert kinds["created_at"] == "TIMESTAMP WITH TIME ZONE"


def test_load_frames_accepts_loose_fixtures(tmp_path: Path) -> None:
    wh = duck(tmp_path / "fixture.duckdb")
    tickets = pd.DataFrame(
        {
            "ticket_id": ["T1", "T1", "T2"],
            "account_id": ["A1", "A1", "A2"],
            "priority": ["high", "high", "low"],
            "status": ["open", "solved", "new"],
            "created_at": [
                "2026-09-01 08:00:00",
                "2026-09-01 08:00:00",
                "2026-09-02 10:00:00+02:00",
            ],
            "reopened_count": [0.0, 1.0, np.nan],  # ints that went through a float column
            "subject": ['Export "fails", again\nsee logs', None, "ok"],
            "_loaded_at": [
                "2026-09-01 09:00:00+00",
                "2026-09-03 09:00:00+00",
                "2026-09-02 09:00+00",
            ],
            "_is_deleted": ["false", "true", None],
        }
    )
    accounts = pd.DataFrame(
        {
            "account_id": ["A1"],
            "account_name": ["O'Brien, Ltd"],
            "segment": ["smb"],
            "created_date": ["2025-01-31"],
        }
    )
    counts = loader.load_frames(wh, {"support.tickets": tickets, "crm.accounts": accounts})
    assert counts == {"support.tickets": 3, "crm.accounts": 1}
    got = wh.query_df(
        "select ticket_id, created_at, reopened_count, subject, _is_deleted "
        "from raw_support.tickets order by ticket_id, _loaded_at"
    )
    assert got["reopened_count"].tolist()[:2] == [0, 1] and pd.isna(got["reopened_count"][2])
    assert got["subject"][0] == 'Export "fails", again\nsee logs'
    assert got["_is_deleted"].tolist()[:2] == [False, True]
    created = pd.to_datetime(got["created_at"], utc=True)
    assert created[0] == pd.Timestamp("2026-09-01 08:00", tz="UTC")  # naive taken as UTC
    assert created[2] == pd.Timestamp("2026-09-02 08:00", tz="UTC")
    account = wh.query_df(
        "select created_date = date '2025-01-31' as ok, account_name, _loaded_at is not null "
        "as loaded, _is_deleted from raw_crm.accounts"
    )
    assert account["ok"][0] and account["loaded"][0] and not account["_is_deleted"][0]
    assert account["account_name"][0] == "O'Brien, Ltd"
    assert wh.query_df("select count(*) as n from raw_billing.invoices")["n"][0] == 0


def test_load_frames_rejects_unknown_tables_and_columns(tmp_path: Path) -> None:
    wh = duck(tmp_path / "bad.duckdb")
    with pytest.raises(KeyError):
        loader.load_frames(wh, {"crm.nope": pd.DataFrame()})
    with pytest.raises(ValueError, match="no column"):
        loader.load_frames(wh, {"crm.accounts": pd.DataFrame({"acount_id": ["A1"]})})
