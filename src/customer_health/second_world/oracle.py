"""The oracle: for each renewal decision, P(lost | hidden state H days before the renewal).

The hidden state is Markov, so the probability given the state on day R - H is the expected
churn probability on day R over the state's paths from there. It is estimated by Monte Carlo:
:data:`.params.ORACLE_PATHS` paths per renewal and horizon, stepped with the same
:class:`.hidden.Dynamics` that made the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.second_world.common import World
from customer_health.second_world.hidden import Dynamics
from customer_health.second_world.params import HORIZONS, ORACLE_PATHS, SEGMENTS


def conditional_probability(
    w: World, accounts: np.ndarray, days: np.ndarray, horizon: int, paths: int, part: int
) -> np.ndarray:
    """E[churn probability on ``days`` | state on ``days - horizon``] per (account, day)."""
    if accounts.size == 0:
        return np.zeros(0)
    rows = np.repeat(accounts, paths)
    dyn = Dynamics(w.segment[rows], w.fit_mean[rows], w.sponsor_mean[rows])
    state = w.hidden.on(rows, np.repeat(days - horizon, paths))
    rng = w.rng("oracle", horizon, part)
    for _ in range(horizon):
        state = dyn.step(state, rng)
    prob = dyn.churn_probability(state)
    return prob.reshape(accounts.size, paths).mean(axis=1)


def oracle_frame(w: World, decisions: pd.DataFrame, paths: int = ORACLE_PATHS) -> pd.DataFrame:
    """One row per renewal decision: account, segment, date, outcome and the oracle's
    probabilities at each of :data:`.params.HORIZONS` days before it."""
    a = decisions["account"].to_numpy(np.int64)
    d = decisions["day"].to_numpy(np.int64)
    out = pd.DataFrame(
        {
            "account_id": w.account_ids[a],
            "segment": np.array(SEGMENTS, dtype=object)[w.segment[a]],
            "renewal_date": w.dates(d).astype(object),
            "is_lost": decisions["lost"].to_numpy(bool),
        }
    )
    for h in HORIZONS:
        # in slices, to bound memory on large books
        probs = [
            conditional_probability(w, a[s : s + 2000], d[s : s + 2000], h, paths, s)
            for s in range(0, a.size, 2000)
        ]
        out[f"oracle_prob_r{h}"] = np.concatenate(probs) if probs else np.zeros(0)
    out["prob_at_renewal"] = decisions["probability"].to_numpy(np.float64)
    return out.sort_values(["renewal_date", "account_id"], ignore_index=True)
