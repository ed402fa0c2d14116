"""Point-in-time correctness: the history row for date d equals what a build on the data
truncated at d (nothing dated after d exists yet) computes as the current score."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from customer_health.warehouse import Warehouse

# the build on truncated data is the session fixture truncated_build (conftest.py): the
# recovery cases (test_cases.py) are checked against it too


def test_history_row_equals_a_build_on_data_truncated_at_that_date(
    duck_built: Warehouse, truncated_build: tuple[date, Warehouse]
) -> None:
    d, truncated = truncated_build
    query = (
        "select * from marts.mart_account_health_history "
        f"where score_date = date '{d.isoformat()}' order by account_id"
    )
    full = duck_built.query_df(query)
    cut = truncated.query_df(query)
    assert len(full) > 50
    assert list(full["account_id"]) == list(cut["account_id"])
    for column in full.columns:
        left, right = full[column], cut[column]
        if pd.api.types.is_float_dtype(left):
            np.testing.assert_allclose(
                left.to_numpy(float),
                right.to_numpy(float),
                atol=1e-9,
                equal_nan=True,
                err_msg=column,
            )
        else:
            as_text = [None if pd.isna(v) else str(v) for v in left]
            other = [None if pd.isna(v) else str(v) for v in right]
            assert as_text == other, column
