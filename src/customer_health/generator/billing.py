"""The finance family: invoices, payment attempts and disputes (billing.invoices,
billing.payments, billing.disputes).
"""

from __future__ import annotations

import numpy as np

from customer_health.generator.block import FAR, HOUR_US, NULL, BlockBase, Table, sigmoid
from customer_health.generator.params import CURRENCIES
from customer_health.generator.vocab import FAILURE_REASONS


class Billing(BlockBase):
    """Invoices from the MRR timeline; payments and disputes driven by the finance latent."""

    def _billing(self) -> None:
        rng, p = self.rng, self.p
        # monthly invoices on the month anniversary of signature
        created_d = (p.start_day + self.created).astype("datetime64[D]")
        months0 = created_d.astype("datetime64[M]")
        dom = np.minimum((created_d - months0.astype("datetime64[D]")).astype(np.int64), 27)
        n_months = (p.days - int(self.created.min())) // 28 + 2
        month = months0[:, None] + np.arange(n_months)[None, :]
        issue = (month.astype("datetime64[D]") + dom[:, None]).astype(np.int64) - p.start_day
        acct = np.broadcast_to(np.arange(self.n)[:, None], issue.shape)
        sel = ~self.annual_billing[acct] & self._alive(acct, issue)
        m_acct, m_day = acct[sel], issue[sel]
        tl = self.timeline
        key_tl = tl[:, 0].astype(np.int64) * 10**7 + tl[:, 1].astype(np.int64) + 10**6
        order = np.argsort(key_tl, kind="stable")
        key_tl, mrr_tl = key_tl[order], tl[order, 2]
        pos = np.searchsorted(key_tl, m_acct * 10**7 + m_day + 10**6, side="right") - 1
        m_amount = mrr_tl[pos]
        # annual invoices at each contract start inside the window (signature, renewal, return)
        starts = [(i, d, a) for i, d, a in self.contract_starts if self.annual_billing[i]]
        a_acct = np.array([s[0] for s in starts], dtype=np.int64)
        a_day = np.array([s[1] for s in starts], dtype=np.int64)
        a_amount = np.array([s[2] for s in starts], dtype=np.float64)
        ok = self._alive(a_acct, a_day)
        acct = np.concatenate([m_acct, a_acct[ok]])
        issued = np.concatenate([m_day, a_day[ok]])
        amount = np.round(np.concatenate([m_amount, a_amount[ok]]), 2)
        m = acct.size
        card = self.card[acct]
        lf = self._family_at("finance", acct, issued)
        bad = 1 - lf
        net = np.where(self.segment[acct] == 0, 45, 30)
        due = np.where(card, issued, issued + net)
        end = self.end
        # card: charged on the issue date and retried up to three times; an unhealthy account
        # fails more often, and its retries fail more often too
        pf = sigmoid(-3.8 + 7.0 * bad)
        p_retry = sigmoid(-2.5 + 6.0 * bad)
        attempts = [issued]
        fails = [card & (rng.random(m) < pf)]
        for lo, hi in ((3, 6), (3, 6), (5, 9)):
            attempts.append(attempts[-1] + rng.integers(lo, hi, m))
            fails.append(fails[-1] & (rng.random(m) < p_retry))
        card_paid = np.full(m, NULL, dtype=np.int64)
        for k in range(len(attempts) - 1, -1, -1):
            got = ~fails[k] & (fails[k - 1] if k else np.ones(m, bool))
            card_paid = np.where(got, attempts[k], card_paid)
        failed_out = fails[-1]
        # bank transfer: an unhealthy account pays more invoices late, and later (typically
        # 10-90 days after the due date)
        late = rng.random(m) < sigmoid(-3.0 + 7.0 * bad)
        days_late = np.ceil(rng.gamma(2.0, (5 + 50 * bad) / 2)).astype(np.int64)
        on_time = issued + (rng.random(m) * (due - issued + 1)).astype(np.int64)
        bank_paid = np.where(late, due + days_late, on_time)
        never = rng.random(m) < 0.005 + 0.3 * bad**3
        # after the last failed charge: paid by transfer 10-60 days later (more likely when
        # healthy), else it goes to collections
        rescue = failed_out & (rng.random(m) < 0.2 + 0.6 * lf)
        paid = np.where(card, card_paid, bank_paid)
        paid = np.where(rescue, attempts[-1] + rng.integers(10, 61, m), paid)
        # collections: an unpaid invoice of an account that stays is paid 45-120 days after the
        # due date; in the months before a churn it stays unpaid
        unpaid = (never & ~card) | (failed_out & ~rescue)
        next_churn = self._next_churn(acct, issued)
        churn_soon = next_churn - due < 150
        paid = np.where(unpaid, np.where(churn_soon, NULL, due + rng.integers(45, 121, m)), paid)
        void = rng.random(m) < 0.004
        paid = np.where(void | (paid > end), NULL, paid)
        status = np.where(paid != NULL, "paid", "open").astype(object)
        status[void] = "void"
        churned = next_churn < FAR  # the invoice's episode ended in a churn
        uncollectible = (status == "open") & churned & (due < end - 60) & (rng.random(m) < 0.5)
        status[uncollectible] = "uncollectible"
        inv = self._new("invoice", m)
        base = np.where(paid != NULL, paid, np.where(void, issued + 2, issued))
        base = np.where(uncollectible, np.minimum(due + 90, end), base)
        cur = np.array(CURRENCIES, dtype=object)[self.currency[acct]]
        self._put(
            "billing.invoices",
            {
                "_acct": acct,
                "invoice_id": inv,
                "amount": amount,
                "currency": cur,
                "issued_date": issued,
                "due_date": due,
                "paid_date": paid,
                "status": status,
            },
            self._day_us(np.minimum(base, end)) + 5 * HOUR_US,
            stale_invoice,
        )

        # payments: every attempt
        live = ~void
        tries = [(card & live, attempts[0], fails[0])]
        for k in range(1, len(attempts)):
            tries.append((fails[k - 1] & live, attempts[k], fails[k]))
        tries.append((((~card) | failed_out) & live & (paid != NULL), paid, np.zeros(m, bool)))
        pa, pd_, pf_ = [], [], []
        for sel, when, failed in tries:
            sel = sel & (when <= end)
            idx = np.flatnonzero(sel)
            pa.append(idx)
            pd_.append(when[idx])
            pf_.append(failed[idx])
        idx = np.concatenate(pa)
        when = np.concatenate(pd_)
        failed = np.concatenate(pf_)
        at = self._day_us(when) + rng.integers(5 * HOUR_US, 8 * HOUR_US, idx.size)
        reason = np.where(
            failed,
            np.array(FAILURE_REASONS, dtype=object)[
                rng.integers(0, len(FAILURE_REASONS), idx.size)
            ],
            None,
        )
        self._put(
            "billing.payments",
            {
                "_acct": acct[idx],
                "payment_id": self._new("payment", idx.size),
                "invoice_id": inv[idx],
                "amount": amount[idx],
                "currency": cur[idx],
                "attempted_at": at,
                "status": np.where(failed, "failed", "succeeded").astype(object),
                "failure_reason": reason,
            },
            at,
            None,
        )

        # disputes and chargebacks on paid invoices
        p_disp = 0.002 + 0.25 * bad**3
        d_sel = np.flatnonzero((paid != NULL) & (rng.random(m) < p_disp))
        opened = paid[d_sel] + rng.integers(5, 41, d_sel.size)
        ok = opened <= end
        d_sel, opened = d_sel[ok], opened[ok]
        k = d_sel.size
        dtype_ = np.where(card[d_sel] & (rng.random(k) < 0.7), "chargeback", "dispute")
        recent = opened > end - 45
        dstatus = np.where(recent, "open", np.where(rng.random(k) < 0.4, "won", "lost"))
        resolved = np.where(recent, opened, np.minimum(opened + rng.integers(30, 61, k), end))
        opened_at = self._day_us(opened) + 10 * HOUR_US
        self._put(
            "billing.disputes",
            {
                "_acct": acct[d_sel],
                "dispute_id": self._new("dispute", k),
                "invoice_id": inv[d_sel],
                "amount": amount[d_sel],
                "currency": cur[d_sel],
                "dispute_type": dtype_.astype(object),
                "opened_at": opened_at,
                "status": dstatus.astype(object),
            },
            self._day_us(resolved) + 10 * HOUR_US,
            stale_dispute,
        )


# Stale versions for duplicates with changed content: mutate the earlier copy (rows idx).
def stale_invoice(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["status"][idx] = "open"
    t["paid_date"][idx] = NULL


def stale_dispute(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["status"][idx] = "open"
