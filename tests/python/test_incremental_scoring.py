"""The scoring models are incremental on score_date (DECISIONLOG 43). Beyond the lookback window
(tests/python/test_hardening.py replays a night, test_incremental_factors.py moves as_of_date),
a run must also recompute: every date when the weights, tiers or thresholds change (their rows
carry weights_version), every date when a new churn model is fitted, and an old date whose
accounts changed together with the trends that compare with it. Each ends equal to a full
refresh."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pandas as pd

from customer_health import dbt as dbt_runner
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb
from .test_incremental_factors import FACTORS, SCORING, snapshot_of

ROOT = Path(__file__).resolve().parents[2]
IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "target", "logs", "data", "reports", "artifacts", ".dbt", "*.duckdb*"
)
HISTORY = "marts.mart_account_health_history"
NO_TESTS = ["--exclude", "resource_type:test", "resource_type:unit_test"]
# the scoring models stamped with the weights_version they were computed with
STAMPED = [r for r in SCORING if not r.endswith("renewal_arr")]
# every model incremental on score_date that is not a scoring model: the factor tables (usage
# and expansion too) and the anomaly technique's baseline
UNSTAMPED = [
    *FACTORS,
    "intermediate.int_usage__factors",
    "intermediate.int_expansion__factors",
    "intermediate.int_diagnosis__usage_baseline",
]


def project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=IGNORED)
    return project


def full_refresh_of(relations: list[str]) -> list[str]:
    return ["run", "--full-refresh", "--select", *(r.split(".")[1] for r in relations)]


def assert_equal_to_a_full_refresh(
    wh: Warehouse, relations: list[str], project: Path | None = None
) -> None:
    incremental = {r: snapshot_of(wh, r) for r in relations}
    dbt_runner.run(full_refresh_of(relations), wh, quiet=True, project=project)
    for relation in relations:
        pd.testing.assert_frame_equal(
            incremental[relation], snapshot_of(wh, relation), obj=relation
        )


def versions(wh: Warehouse, relation: str) -> set[str]:
    return set(wh.query_df(f"select distinct weights_version from {relation}")["weights_version"])


def new_weights(weights: pd.DataFrame) -> pd.DataFrame:
    """Usage and support swap their weights in every segment."""
    return weights.assign(
        family=weights["family"].replace({"usage": "support", "support": "usage"})
    )


def new_factor_weights(catalogue: pd.DataFrame) -> pd.DataFrame:
    """The first two usage factors swap their weights (the family still sums to 1)."""
    weights = catalogue["factor_weight"].copy()
    first, second = catalogue.index[catalogue["family"] == "usage"][:2]
    weights[first], weights[second] = weights[second], weights[first]
    return catalogue.assign(factor_weight=weights)


def new_tiers(tiers: pd.DataFrame) -> pd.DataFrame:
    """critical (and the critical risk level) up to 15 instead of 10."""
    tiers = tiers.copy()
    tiers.loc[tiers["label"] == "critical", "max_score"] = 15
    tiers.loc[tiers["min_score"] == 10, "min_score"] = 15
    return tiers


def new_thresholds(thresholds: pd.DataFrame) -> pd.DataFrame:
    """The champion flag (the one piecewise factor) scores 50 when there is none."""
    thresholds = thresholds.copy()
    champion = thresholds["factor_name"] == "relationship_champion_active"
    thresholds.loc[champion, ["bad_value", "ok_value", "good_value"]] = [-1, 0, 1]
    return thresholds


def edit_seed(seeds: Path, seed: str, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    edit(pd.read_csv(seeds / f"{seed}.csv")).to_csv(seeds / f"{seed}.csv", index=False)


def test_new_weights_tiers_and_thresholds_rescore_every_date(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    wh = copy_duckdb(duck_built, tmp_path)
    project = project_copy(tmp_path)
    (old_version,) = versions(wh, "intermediate.int_scoring__weights_version")
    first_date = wh.query_df(
        "select min(score_date) as d from intermediate.int_scoring__health_scores"
    )["d"][0]
    old_scores = "intermediate.int_scoring__health_scores where score_date = date " + (
        f"'{pd.Timestamp(first_date).date()}'"
    )
    before = snapshot_of(wh, old_scores)
    edit_seed(project / "seeds", "segment_weights", new_weights)
    edit_seed(project / "seeds", "score_tiers", new_tiers)
    edit_seed(project / "seeds", "factor_thresholds", new_thresholds)

    seeds = ["segment_weights+", "score_tiers+", "factor_thresholds+"]
    dbt_runner.run(["build", "--select", *seeds, *NO_TESTS], wh, quiet=True, project=project)

    (new_version,) = versions(wh, "intermediate.int_scoring__weights_version")
    assert new_version != old_version
    for relation in [*STAMPED, HISTORY]:
        assert versions(wh, relation) == {new_version}, relation
    after = snapshot_of(wh, old_scores)
    for column in ["health_score", "relationship_score", "health_tier"]:
        assert not before[column].equals(after[column]), f"{column} of the first date kept"
    assert_equal_to_a_full_refresh(wh, [*SCORING, HISTORY], project)


def test_new_expansion_weights_rescore_every_date_of_the_expansion_models(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    """The expansion factor scores, drivers and scores are stamped with the expansion_version
    too: new expansion weights (or catalogue, thresholds) rescore every date, not only the last
    ones."""
    wh = copy_duckdb(duck_built, tmp_path)
    project = project_copy(tmp_path)
    expansion = [r for r in SCORING if ".int_expansion__" in r]
    assert len(expansion) == 3, expansion

    def expansion_versions(name: str) -> set[str]:
        frame = wh.query_df(f"select distinct expansion_version from {name}")
        return set(frame["expansion_version"])

    (old_version,) = expansion_versions("intermediate.int_expansion__version")
    for relation in expansion:
        assert expansion_versions(relation) == {old_version}, relation

    def swap_first_two(weights: pd.DataFrame) -> pd.DataFrame:
        weights = weights.copy()
        first, second = weights.index[weights["segment"] == weights["segment"].iloc[0]][:2]
        weights.loc[[first, second], "weight"] = weights.loc[[second, first], "weight"].values
        return weights

    edit_seed(project / "seeds", "expansion_weights", swap_first_two)
    select = ["--select", "expansion_weights+"]
    dbt_runner.run(["build", *select, *NO_TESTS], wh, quiet=True, project=project)

    (new_version,) = expansion_versions("intermediate.int_expansion__version")
    assert new_version != old_version
    for relation in expansion:
        assert expansion_versions(relation) == {new_version}, relation
    assert_equal_to_a_full_refresh(wh, expansion, project)


def test_each_scoring_seed_makes_a_new_weights_version(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    """The weights, the catalogue's factor weights, the tiers and the thresholds each change
    weights_version by themselves: a change to any one of them rescores every date."""
    wh = copy_duckdb(duck_built, tmp_path)
    project = project_copy(tmp_path)
    seeds = project / "seeds"
    edits = {
        "segment_weights": new_weights,
        "factor_catalogue": new_factor_weights,
        "score_tiers": new_tiers,
        "factor_thresholds": new_thresholds,
    }
    seen = versions(wh, "intermediate.int_scoring__weights_version")
    for seed, edit in edits.items():
        original = (seeds / f"{seed}.csv").read_text()
        edit_seed(seeds, seed, edit)
        select = ["--select", seed, "int_scoring__weights_version"]
        dbt_runner.run(["build", *select, *NO_TESTS], wh, quiet=True, project=project)
        (version,) = versions(wh, "intermediate.int_scoring__weights_version")
        assert version not in seen, f"{seed} changed, weights_version did not"
        seen.add(version)
        (seeds / f"{seed}.csv").write_text(original)


def test_a_new_churn_model_reaches_every_date(duck_built: Warehouse, tmp_path: Path) -> None:
    wh = copy_duckdb(duck_built, tmp_path)
    project = project_copy(tmp_path)
    probability = "intermediate.int_scoring__churn_probability"
    assert wh.query_df(f"select count(churn_probability) as n from {probability}")["n"][0] == 0
    (version,) = versions(wh, "intermediate.int_scoring__weights_version")
    model = pd.read_csv(ROOT / "seeds" / "churn_probability_model.csv")
    fitted = [version, "all", 0, -2.0, 4.0, 90, 120, 40, "2026-06-30"]
    pd.DataFrame([fitted], columns=model.columns).to_csv(
        project / "seeds" / "churn_probability_model.csv", index=False
    )

    select = ["--select", "churn_probability_model", "int_scoring__churn_probability"]
    dbt_runner.run(["build", *select, *NO_TESTS], wh, quiet=True, project=project)

    scored = wh.query_df(
        f"select count(*) as n, count(probability.churn_probability) as p from {probability} "
        "as probability inner join intermediate.int_scoring__health_scores as scores "
        "on probability.account_id = scores.account_id "
        "and probability.score_date = scores.score_date where scores.health_score is not null"
    ).iloc[0]
    assert scored["n"] > 0 and scored["p"] == scored["n"], "dates kept without the new model"
    assert_equal_to_a_full_refresh(wh, [probability], project)


def test_a_churn_a_week_earlier_rescores_that_date_and_the_trends_after_it(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    """An account's churn date moved a week back, months ago: the account leaves one old score
    date, its peers' percentiles there move, and so do the trends 7, 14 and 28 days later. The
    factor tables and the history mart drop its rows of that date too (they replace a date whose
    accounts changed), and the history's trends follow."""
    wh = copy_duckdb(duck_built, tmp_path)
    churned = wh.query_df(
        "select episodes.account_id, episodes.episode_end_date "
        "from intermediate.int_lifecycle__episodes as episodes "
        "inner join staging.stg_crm__accounts as accounts "
        "on episodes.account_id = accounts.account_id "
        "where episodes.end_reason = 'explicit_churn' "
        "and cast(accounts.churn_date as date) = episodes.episode_end_date "
        "and episodes.episode_end_date < (select max(score_date) - 120 "
        "from intermediate.int_scoring__score_dates) "
        "and episodes.episode_start_date < episodes.episode_end_date - 60 "
        "order by episodes.episode_end_date desc, episodes.account_id limit 1"
    ).iloc[0]
    # the one Sunday (a weekly score date) in the week before the churn
    end = pd.Timestamp(churned.episode_end_date).date()
    sunday = next(
        end - timedelta(days=d) for d in range(1, 8) if (end - timedelta(d)).weekday() == 6
    )
    later = [str(sunday + timedelta(days=d)) for d in (7, 14, 28)]
    trend = "intermediate.int_scoring__score_trend"
    before = snapshot_of(wh, trend)
    wh.execute(
        "insert into raw_crm.accounts select * replace ("
        "churn_date - interval 7 day as churn_date, "
        "(select max(_loaded_at) from raw_crm.accounts) + interval 1 hour as _loaded_at) "
        f"from raw_crm.accounts where account_id = '{churned.account_id}' "
        "qualify row_number() over (order by _loaded_at desc) = 1"
    )

    dbt_runner.run(["run", "--select", "base_crm__accounts+"], wh, quiet=True)

    scored = wh.query_df(
        "select score_date from intermediate.int_scoring__health_scores "
        f"where account_id = '{churned.account_id}' and score_date = date '{sunday}'"
    )
    assert scored.empty, "the account is still scored after its new churn date"
    for relation in UNSTAMPED:
        left = wh.query_df(
            f"select count(*) as n from {relation} "
            f"where account_id = '{churned.account_id}' and score_date = date '{sunday}'"
        )["n"][0]
        assert left == 0, f"{relation} still has the account on {sunday}"
    after = snapshot_of(wh, trend)
    for day in later:
        assert (
            not before[before["score_date"] == day]
            .reset_index(drop=True)
            .equals(after[after["score_date"] == day].reset_index(drop=True))
        ), f"the trend of {day} did not follow"
    left = wh.query_df(
        f"select count(*) as n from {HISTORY} "
        f"where account_id = '{churned.account_id}' and score_date = date '{sunday}'"
    )["n"][0]
    assert left == 0, f"the history still has the account on {sunday}"
    assert_equal_to_a_full_refresh(wh, UNSTAMPED + SCORING + [HISTORY])
