"""Account lifecycles: paying episodes, reactivations, contractions and the CRM's own churn flag.

The commercial walk (:mod:`.commercial`) decides when each episode starts and ends; this stage
turns that into the arrays the activity tables read (an account is live only inside an
episode), draws the versions of the ``crm.accounts`` row that carry ``account_status`` and
``churn_date`` (including flags that contradict billing), and records the truth:
``truth.episodes``, ``truth.contractions`` and ``truth.reactivations``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from customer_health.generator.block import FAR, NULL, BlockBase, transpose
from customer_health.generator.params import CURRENCIES, LIFECYCLE

if TYPE_CHECKING:
    from customer_health.generator.commercial import _Book


class Lifecycle(BlockBase):
    """Episodes as arrays, the CRM status versions and the lifecycle truth."""

    def _lifecycle_arrays(self) -> None:
        """ep_from / ep_to / ep_churn (n, E) from the episodes the walk recorded."""
        n_ep = max(1, max(len(e) for e in self.episodes)) if self.n else 1
        self.ep_from = np.full((self.n, n_ep), FAR, dtype=np.int64)
        self.ep_to = np.full((self.n, n_ep), FAR, dtype=np.int64)
        self.ep_churn = np.full((self.n, n_ep), FAR, dtype=np.int64)
        for i, eps in enumerate(self.episodes):
            for e, (first, churn) in enumerate(eps):
                self.ep_from[i, e] = first
                self.ep_to[i, e] = min(churn, self.p.days)
                self.ep_churn[i, e] = churn
        self.churn_day = self.ep_churn[:, 0].copy()

    def _lifecycle_truth(self, book: _Book, sub_number: np.ndarray) -> None:
        """truth.contractions and truth.reactivations; keep the episodes for the CRM flags."""
        first = self.first + 1
        c = transpose(book.contractions, 5)
        acct = np.array(c[0], dtype=np.int64)
        self.truth["contractions"] = {
            "account": first + acct,
            "subscription": sub_number[np.array(c[1], dtype=np.int64)],
            "episode": np.array(c[2], dtype=np.int64),
            "contraction_day": self.p.start_day + np.array(c[3], dtype=np.int64),
            "arr_lost": np.round(np.array(c[4], dtype=np.float64), 2),
            "currency": np.array(CURRENCIES, dtype=object)[self.currency[acct]],
        }
        r = transpose(book.reactivations, 4)
        churn = np.array(r[1], dtype=np.int64)
        back = np.array(r[2], dtype=np.int64)
        self.truth["reactivations"] = {
            "account": first + np.array(r[0], dtype=np.int64),
            "episode": np.array(r[3], dtype=np.int64),
            "churn_day": self.p.start_day + churn,
            "reactivation_day": self.p.start_day + back,
            "gap_days": back - churn,
        }
        e = transpose(book.episodes, 6)
        self._episode_rows = {
            "acct": np.array(e[0], dtype=np.int64),
            "episode": np.array(e[1], dtype=np.int64),
            "start": np.array(e[2], dtype=np.int64),
            "end": np.array(e[3], dtype=np.int64),
            "recorded_in": np.array(e[4], dtype=object),
            "arr_lost": np.array(e[5], dtype=np.float64),
        }
        self._contraction_days: list[list[int]] = [[] for _ in range(self.n)]
        for i, day in zip(acct.tolist(), c[3], strict=True):
            self._contraction_days[i].append(int(day))
        self.truth["accounts_lifecycle"] = {
            "subscriptions": np.bincount(
                np.array([s.account for s in book.subs], dtype=np.int64), minlength=self.n
            ),
            "contractions": np.bincount(acct, minlength=self.n),
        }

    def _status_versions(self) -> dict[str, np.ndarray]:
        """The versions of each crm.accounts row: (account, version day, status, churn_date).

        The first version is loaded at signature: 'active' where the CRM keeps a status, else
        empty. A flagged churn adds a 'churned' version with churn_date; a flagged account that
        comes back gets an 'active' version again. A few accounts that are paying at the end
        get a 'churned' version anyway (the flag contradicts billing).
        """
        rng, n, lc = self.rng, self.n, LIFECYCLE
        kept = rng.random(n) < lc["status_kept_share"]
        ep = self._episode_rows
        m = ep["acct"].size
        ended = ep["end"] != NULL
        flagged = kept[ep["acct"]] & ended & (rng.random(m) < lc["churn_flag_share"])
        days = lc["churn_flag_offset_days"]
        offset = np.where(
            rng.random(m) < lc["churn_flag_offset_share"],
            rng.choice([-1, 1], m) * rng.integers(1, days + 1, m),
            0,
        )
        flag_day = np.where(flagged, np.minimum(ep["end"] + offset, self.end), NULL)
        lag = rng.integers(*lc["reactivation_flag_lag_days"], m, endpoint=True)
        # versions: (account, day loaded, status, churn_date)
        rows: list[tuple[int, int, Any, int]] = [
            (i, int(self.created[i]), "active" if kept[i] else None, NULL) for i in range(n)
        ]
        last_version = self.created.astype(np.int64).copy()
        prev_flagged = np.zeros(n, dtype=bool)
        for j in range(m):  # in account and episode order
            i = int(ep["acct"][j])
            if ep["episode"][j] > 1 and prev_flagged[i]:
                day = min(int(ep["start"][j] + lag[j]), self.end)
                rows.append((i, day, "active", NULL))
                last_version[i] = day
            prev_flagged[i] = bool(flagged[j])
            if flagged[j]:
                rows.append((i, int(flag_day[j]), "churned", int(flag_day[j])))
                last_version[i] = int(flag_day[j])
        # flags that contradict billing: accounts paying at the end whose CRM says churned,
        # often on the day an extra subscription was cancelled
        live_end = (self.ep_from <= self.end) & (self.ep_to > self.end)
        current = np.where(live_end, self.ep_from, FAR).min(axis=1)
        conflict = kept & live_end.any(axis=1) & (rng.random(n) < lc["flag_conflict_share"])
        pick = rng.random(n)
        conflict_day = np.full(n, NULL, dtype=np.int64)
        for i in np.flatnonzero(conflict).tolist():
            lo = max(int(current[i]), int(last_version[i])) + 30
            hi = self.end - 14
            drops = [d for d in self._contraction_days[i] if lo <= d <= hi]
            if drops:
                day = drops[-1]
            elif lo <= hi:
                day = lo + int(pick[i] * (hi - lo + 1))
            else:
                continue
            conflict_day[i] = day
            rows.append((i, day, "churned", day))
        rows.sort(key=lambda r: (r[0], r[1]))
        self.truth["accounts_lifecycle"].update(
            {"status_kept": kept, "flag_conflict": conflict_day != NULL}
        )
        self.truth["accounts_lifecycle"]["flag_conflict_day"] = np.where(
            conflict_day != NULL, self.p.start_day + conflict_day, NULL
        )
        self.truth["episodes"] = {
            "account": self.first + 1 + ep["acct"],
            "episode": ep["episode"],
            "start_day": self.p.start_day + ep["start"],
            "end_day": np.where(ended, self.p.start_day + ep["end"], NULL),
            "churned": ended,
            "recorded_in": ep["recorded_in"],
            "crm_flag_day": np.where(flagged, self.p.start_day + flag_day, NULL),
            "arr_lost": np.round(ep["arr_lost"], 2),
            "currency": np.array(CURRENCIES, dtype=object)[self.currency[ep["acct"]]],
        }
        v = transpose(rows, 4)
        return {
            "acct": np.array(v[0], dtype=np.int64),
            "day": np.array(v[1], dtype=np.int64),
            "status": np.array(v[2], dtype=object),
            "churn_date": np.array(v[3], dtype=np.int64),
        }
