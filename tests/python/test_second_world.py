"""The second world (docs/second_world.md): a book whose causal model was not written to fit the
health score, with an oracle churn probability per renewal. It generates deterministically in
contract shape, its oracle is informative and sharpens towards the renewal, and it goes through
the warehouse with its renewals recorded as the oracle has them.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from sklearn.metrics import roc_auc_score

from customer_health import contract, orchestrate, second_world
from customer_health.cli import main
from customer_health.warehouse import Warehouse

from .conftest import SECOND_WORLD, duckdb_warehouse

PACKAGE = Path(second_world.__file__).parent
SMALL = {"accounts": 60, "months": 12, "seed": 3}


def _date(value: object) -> date:
    return pd.Timestamp(value).date()


# ------------------------------------------------------------------ generation


def test_generation_is_deterministic() -> None:
    frames, oracle = second_world.generate(**SMALL)
    again, oracle_again = second_world.generate(**SMALL)
    assert frames.keys() == again.keys()
    for key in frames:
        pd.testing.assert_frame_equal(frames[key], again[key], obj=key)
    pd.testing.assert_frame_equal(oracle, oracle_again)
    other, _ = second_world.generate(**{**SMALL, "seed": 4})
    assert not other["product.events"].equals(frames["product.events"])


def test_every_table_has_the_contract_columns(
    second_world_book: tuple[dict[str, pd.DataFrame], pd.DataFrame],
) -> None:
    frames, _ = second_world_book
    assert set(frames) == {f"{t.source}.{t.name}" for t in contract.TABLES}
    for t in contract.TABLES:
        frame = frames[f"{t.source}.{t.name}"]
        assert list(frame.columns) == t.column_names, t.name
        assert len(frame) > 0, t.name
        for col in t.all_columns:
            if col.required:
                assert frame[col.name].notna().all(), f"{t.name}.{col.name} has nulls"
        assert not frame.duplicated(list(t.key)).any(), f"{t.name}: duplicate keys"


def test_the_world_does_not_use_the_demo_generator() -> None:
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            assert not any(n.startswith("customer_health.generator") for n in names), path.name


# ------------------------------------------------------------------ oracle


def test_oracle_columns_and_renewals(
    second_world_book: tuple[dict[str, pd.DataFrame], pd.DataFrame],
) -> None:
    frames, oracle = second_world_book
    assert set(second_world.ORACLE_COLUMNS) <= set(oracle.columns)
    assert set(oracle["segment"]) == {"enterprise", "mid_market", "smb"}
    assert oracle["is_lost"].dtype == bool
    assert all(isinstance(d, date) for d in oracle["renewal_date"])
    assert not oracle.duplicated(["account_id", "renewal_date"]).any()
    probs = oracle[[f"oracle_prob_r{h}" for h in second_world.HORIZONS]]
    assert ((probs > 0) & (probs < 1)).all().all()
    # about one renewal decision per account and year in the window
    assert 0.8 < len(oracle) / SECOND_WORLD["accounts"] < 1.6
    # a lost renewal is the account's last one
    last = oracle.groupby("account_id")["renewal_date"].transform("max")
    assert (oracle.loc[oracle["is_lost"], "renewal_date"] == last[oracle["is_lost"]]).all()
    # every renewal is a renewal opportunity closed on the renewal date
    opps = frames["crm.opportunities"]
    closed = opps[(opps["opportunity_type"] == "renewal") & (opps["stage"] != "open")]
    recorded = set(zip(closed["account_id"], closed["close_date"], closed["stage"], strict=True))
    stage = oracle["is_lost"].map({True: "closed_lost", False: "closed_won"})
    expected = set(zip(oracle["account_id"], oracle["renewal_date"], stage, strict=True))
    assert expected <= recorded


def test_oracle_is_informative_and_sharpens_towards_the_renewal(
    second_world_book: tuple[dict[str, pd.DataFrame], pd.DataFrame],
) -> None:
    _, oracle = second_world_book
    lost = oracle["is_lost"]
    assert 0.08 <= lost.mean() <= 0.30
    auc = {h: roc_auc_score(lost, oracle[f"oracle_prob_r{h}"]) for h in second_world.HORIZONS}
    assert 0.65 <= auc[60] <= 0.9, auc
    assert auc[7] > auc[90], auc
    # the oracle is calibrated: its mean probability matches the share lost
    assert abs(oracle["oracle_prob_r60"].mean() - lost.mean()) < 0.06


# ------------------------------------------------------------------ the warehouse


def test_quarantine_is_a_tiny_share(second_world_built: tuple[Warehouse, pd.DataFrame]) -> None:
    wh, _ = second_world_built
    counts = orchestrate.quarantine_counts(wh)
    assert counts["raw_rows"] > 0
    assert counts["quarantined_rows"] <= 0.001 * counts["raw_rows"], counts["reasons"]


def _account_days(wh: Warehouse, sql: str) -> set[tuple[str, date]]:
    """(account_id, date) pairs of a query's two columns."""
    frame = wh.query_df(sql)
    return {(a, _date(d)) for a, d in frame.itertuples(index=False)}


def _renewals(oracle: pd.DataFrame, lost: bool) -> set[tuple[str, date]]:
    chosen = oracle[oracle["is_lost"] == lost]
    return set(zip(chosen["account_id"], chosen["renewal_date"], strict=True))


def test_renewals_are_recorded_as_the_oracle_has_them(
    second_world_built: tuple[Warehouse, pd.DataFrame],
) -> None:
    """Every lost renewal is an explicit churn on its date; every kept one a renewal outcome
    (renewals before the window are outcomes too, but not decisions of the oracle)."""
    wh, oracle = second_world_built
    lifecycle = "intermediate.int_lifecycle__"
    churns = _account_days(
        wh,
        f"select account_id, churn_date from {lifecycle}explicit_churns "
        "where recorded_by = 'renewal_lost'",
    )
    outcomes = _account_days(
        wh,
        f"select account_id, outcome_date from {lifecycle}outcomes "
        "where outcome_type in ('renewed', 'downgraded')",
    )
    assert churns == _renewals(oracle, lost=True)
    assert _renewals(oracle, lost=False) <= outcomes


def test_the_mart_scores_every_live_account(
    second_world_built: tuple[Warehouse, pd.DataFrame],
) -> None:
    wh, oracle = second_world_built
    accounts = set(wh.query_df("select account_id from raw_crm.accounts")["account_id"])
    mart = wh.query_df("select account_id, health_score from marts.mart_account_health")
    live = accounts - set(oracle.loc[oracle["is_lost"], "account_id"])
    assert set(mart["account_id"]) == live
    assert mart["health_score"].notna().all()


def test_the_score_beats_chance_on_a_world_it_was_not_fitted_to(
    second_world_built: tuple[Warehouse, pd.DataFrame],
) -> None:
    """The score 60 days before each renewal ranks lost renewals above kept ones (a floor, not
    a target: the oracle is the ceiling)."""
    wh, oracle = second_world_built
    history = wh.query_df(
        "select account_id, score_date, health_score from marts.mart_account_health_history"
    )
    history["score_date"] = pd.to_datetime(history["score_date"])
    renewals = oracle.assign(
        at=pd.to_datetime(oracle["renewal_date"]) - pd.Timedelta(days=60)
    ).sort_values("at")
    scored = pd.merge_asof(
        renewals,
        history.sort_values("score_date"),
        left_on="at",
        right_on="score_date",
        by="account_id",
        tolerance=pd.Timedelta(days=35),
    ).dropna(subset=["health_score"])
    assert len(scored) > 0.6 * len(oracle)
    assert roc_auc_score(scored["is_lost"], -scored["health_score"]) > 0.55


# ------------------------------------------------------------------ the command line


def test_demo_data_loads_the_second_world_and_writes_the_oracle(tmp_path: Path) -> None:
    wh = duckdb_warehouse(tmp_path)
    oracle_file = tmp_path / "oracle" / "renewals.csv"
    args = ["demo-data", "--world", "second", "--accounts", "30", "--days", "180"]
    result = CliRunner().invoke(
        main, [*args, "--seed", "5", "--oracle-file", str(oracle_file)], env=wh.env()
    )
    assert result.exit_code == 0, result.output
    assert str(oracle_file) in result.output
    oracle = pd.read_csv(oracle_file)
    assert list(oracle.columns[: len(second_world.ORACLE_COLUMNS)]) == list(
        second_world.ORACLE_COLUMNS
    )
    assert wh.query_df("select count(*) as n from raw_crm.accounts")["n"].iloc[0] == 30


def test_the_oracle_file_needs_the_second_world(tmp_path: Path) -> None:
    wh = duckdb_warehouse(tmp_path)
    result = CliRunner().invoke(
        main, ["demo-data", "--oracle-file", str(tmp_path / "o.csv")], env=wh.env()
    )
    assert result.exit_code == 2
    assert "second world" in result.output
