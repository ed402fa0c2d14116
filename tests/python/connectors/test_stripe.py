"""The Stripe adapter (docs/connectors/stripe.md): the demo book landed as Stripe and as its
contract equivalent gives the same marts; both reconciliations add up; every Stripe customer of
a live CRM account is matched; the quirks are landed, and the rows the adapter must leave out
are left out, each with its reason."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health.generator.connectors import Shapes, land, stripe

from . import harness

SHAPES = Shapes(billing="stripe")

# staged billing relations, compared without their ids (Stripe's ids are not the contract's)
STAGED = {
    "stg_billing__subscriptions": [
        "account_id", "plan", "seats", "mrr_local", "currency", "status", "started_at",
        "cancelled_at", "is_deleted",
    ],
    "stg_billing__plan_changes": [
        "account_id", "change_type", "seats_before", "seats_after", "mrr_before_local",
        "mrr_after_local", "currency", "changed_at",
    ],
    "stg_billing__invoices": [
        "account_id", "amount_local", "currency", "issued_date", "due_date", "paid_date",
        "status", "is_deleted",
    ],
    "stg_billing__payments": [
        "account_id", "amount_local", "currency", "attempted_at", "status", "failure_reason",
        "is_deleted",
    ],
    "stg_billing__disputes": [
        "account_id", "amount_local", "currency", "dispute_type", "status", "opened_at",
        "is_deleted",
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def pair(combo_a: harness.Pair) -> harness.Pair:
    """Combination A (conftest): Stripe for billing, with the other families' connectors."""
    return combo_a


def _frames() -> dict[str, pd.DataFrame]:
    return harness.book_frames(**harness.PARITY_BOOK)


def test_marts_are_equal(pair: harness.Pair) -> None:
    assert harness.differences(pair) == []


def test_staged_billing_is_equal(pair: harness.Pair) -> None:
    """Sharper than the marts: every staged billing row, its account and amounts included."""
    for relation, columns in STAGED.items():
        query = f"select {', '.join(columns)} from staging.{relation}"
        a = pair.connector.query_df(query).sort_values(columns).reset_index(drop=True)
        b = pair.equivalent.query_df(query).sort_values(columns).reset_index(drop=True)
        assert len(a) > 0, relation
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=relation)


def test_reconciliations_add_up(pair: harness.Pair) -> None:
    assert harness.reconciliation_gaps(pair.connector).empty
    assert harness.reconciliation_gaps(pair.equivalent).empty
    rows = pair.connector.query_df(
        "select * from quarantine.connector_reconciliation where connector = 'stripe'"
    ).set_index("connector_table")
    assert set(rows.index) == {
        "customer", "subscription_history", "subscription_item", "price", "plan", "invoice",
        "charge", "dispute",
    }  # fmt: skip
    assert (rows["connector_rows"] == rows["mapped_rows"] + rows["unused_rows"]).all()
    # each contract table holds exactly the rows its mapping view sent
    raw = pair.connector.query_df(
        "select raw_table, raw_rows from quarantine.quarantine_reconciliation"
    ).set_index("raw_table")["raw_rows"]
    for table, contract in (
        ("subscription_history", "billing.subscriptions"),
        ("invoice", "billing.invoices"),
        ("charge", "billing.payments"),
        ("dispute", "billing.disputes"),
    ):
        assert rows.loc[table, "mapped_rows"] == raw[contract], table


def test_left_out_rows_have_their_reason(pair: harness.Pair) -> None:
    """The test-mode customer (with a real account's CRM id), a draft invoice, a pending charge
    and an incomplete_expired signup would each move a score if they were read."""
    rows = pair.connector.query_df(
        "select connector_table, unused_rows, unused_reason"
        " from quarantine.connector_reconciliation where connector = 'stripe'"
    ).set_index("connector_table")
    for table in ("customer", "invoice", "charge"):
        assert "1 test-mode rows" in rows.loc[table, "unused_reason"], table
    assert "1 drafts" in rows.loc["invoice", "unused_reason"]
    assert "1 pending" in rows.loc["charge", "unused_reason"]
    history = rows.loc["subscription_history"]
    assert "1 test-mode rows" in history["unused_reason"]
    assert "older versions" in history["unused_reason"]
    invoices = pair.landing.connector["stripe.invoice"]
    left_out = invoices.loc[~invoices["livemode"] | (invoices["status"] == "draft"), "id"]
    staged = pair.connector.query_df("select invoice_id from staging.base_billing__invoices")
    assert len(left_out) == 2 and not set(left_out) & set(staged["invoice_id"])


def test_identity_map_matches_every_customer(pair: harness.Pair) -> None:
    identity = pair.connector.query_df(
        "select * from intermediate.int_identity__account_map where source_system = 'stripe'"
    )
    customers = pair.landing.connector["stripe.customer"]
    live_customers = customers[customers["livemode"].astype(bool)]
    assert set(identity["source_account_id"]) == set(live_customers["id"])
    # every one, a deleted CRM account's too (by its explicit id): none ambiguous or unmatched
    assert (identity["match_status"] == "matched").all(), identity[
        identity["match_status"] != "matched"
    ][["source_account_id", "match_detail"]]
    methods = identity.loc[identity["match_status"] == "matched", "match_method"].value_counts()
    assert methods.get("explicit_id", 0) > 10 and methods.get("domain", 0) > 10
    # some customers carry the CRM id only in their subscriptions' metadata
    keys = pair.connector.query_df("select * from staging.stg_stripe__account_keys")
    plain = live_customers[
        ~live_customers["metadata"].fillna("{}").map(lambda m: stripe.METADATA_KEY in json.loads(m))
    ]
    through_subscriptions = keys[
        keys["source_account_id"].isin(plain["id"]) & keys["explicit_crm_id"].notna()
    ]
    assert len(through_subscriptions) > 0


def test_quirks_are_landed() -> None:
    landing = land(_frames(), SHAPES)
    t = landing.connector
    customers, invoices = t["stripe.customer"], t["stripe.invoice"]
    assert customers["id"].str.startswith("cus_").all()
    assert customers["is_deleted"].any() and (~customers["livemode"]).sum() == 1
    emails = customers["email"].dropna()
    assert (emails != emails.str.lower()).any()  # mixed-case billing emails
    assert invoices["total"].dtype == "Int64" and invoices["id"].str.startswith("in_").all()
    assert invoices["due_date"].isna().any() and invoices["due_date"].notna().any()
    history = t["stripe.subscription_history"]
    assert (
        history.groupby("id").size().max() > 2
        and history["_fivetran_active"].sum() == history["id"].nunique()
    )
    assert (history["cancel_at_period_end"]).any() and (history["status"] == "past_due").any()
    items = t["stripe.subscription_item"]
    assert items.groupby("id")["plan_id"].nunique().max() > 1  # a plan switch on one item
    prices = t["stripe.price"]
    assert prices["unit_amount"].isna().any()  # fractions of a cent: unit_amount_decimal only
    assert set(prices["recurring_interval"]) >= {"month", "year"}
    assert len(t["stripe.plan"]) > 0 and items["plan_id"].isin(t["stripe.plan"]["id"]).any()
    charges = t["stripe.charge"]
    assert charges["id"].str.startswith("py_").any() and charges["customer_id"].isna().any()
    assert charges["outcome_reason"].notna().any()
    assert t["stripe.dispute"]["status"].str.startswith("warning").any()
    assert t["stripe.charge"]["_fivetran_deleted"].any()


def test_landing_leaves_the_frames_alone() -> None:
    frames = _frames()
    before = {k: pd.util.hash_pandas_object(v.astype(str)).sum() for k, v in frames.items()}
    land(frames, SHAPES)
    after = {k: pd.util.hash_pandas_object(v.astype(str)).sum() for k, v in frames.items()}
    assert before == after


def test_equivalent_rounds_to_minor_units() -> None:
    """Zero-decimal currencies keep no decimals; others two (hand-made frames)."""
    assert stripe._minor(1234.6, "JPY") == 1235 and stripe._major(1235, "jpy") == 1235.0
    assert stripe._minor(12.345, "usd") in (1234, 1235) and stripe._major(1234, "USD") == 12.34
    assert stripe._decimals("krw") == 0 and stripe._decimals("eur") == 2


def test_unit_tests_run_in_the_stripe_shape_only(pair: harness.Pair) -> None:
    """The hand-written fixtures (minor units, plan-change derivation, statuses, identity,
    metadata JSON) run when billing_shape is stripe, and are disabled in the contract shape."""
    selector = ["--select", "resource_type:unit_test,test_name:test_stg_stripe*"]
    result = dbt_runner.run(
        ["test", *selector], pair.connector, dbt_vars=harness.build_vars(pair.shapes), quiet=True
    )
    statuses = [str(r.status) for r in result.result.results]
    assert len(statuses) >= 9 and set(statuses) == {"pass"}
    listed = dbt_runner.run(
        ["ls", "--resource-type", "unit_test", "--resource-type", "model", "--output", "name"],
        pair.equivalent,
        dbt_vars=harness.build_vars(Shapes()),
        quiet=True,
    )
    assert not [name for name in listed.result if "stripe" in name]
