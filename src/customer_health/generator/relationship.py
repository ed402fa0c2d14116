"""The relationship family: contacts (and champions leaving), activities and CSM sentiment
(crm.contacts, crm.activities, crm.sentiment).
"""

from __future__ import annotations

import numpy as np

from customer_health.generator.block import DAY_US, FAR, HOUR_US, NULL, PRE_WEEKS, BlockBase, Table
from customer_health.generator.params import CHAMPIONS, SEGMENTS, SENTIMENT
from customer_health.generator.vocab import CSMS, FIRST_NAMES, LAST_NAMES, NOTES, PHONE, to_ascii


class Relationship(BlockBase):
    """Contacts, meetings, calls, emails and sentiment, driven by the relationship latent."""

    def _contacts(self) -> None:
        rng = self.rng
        champ_leaves = self._shock_days("champion_leaves")
        # champions also drift away when the relationship is poor (no latent jump: a symptom)
        rel = self.latent["relationship"]
        rel_w = rel[:, PRE_WEEKS : PRE_WEEKS + self.p.window_weeks]
        drift = rng.random(rel_w.shape) < CHAMPIONS["disengage_rate"] / 52 * (1 - rel_w) ** 2
        rows: list[tuple[int, str, int, int]] = []  # account, role, from, to
        n_champ = 1 + (rng.random(self.n) < np.array([0.6, 0.4, 0.2])[self.segment])
        n_admin = 1 + (rng.random(self.n) < np.array([0.7, 0.4, 0.15])[self.segment])
        n_user = rng.integers(np.array([3, 2, 1])[self.segment], np.array([9, 6, 4])[self.segment])
        for i in range(self.n):
            c0 = int(self.created[i])
            rows.append((i, "sponsor", c0, NULL))
            champs = []
            for _ in range(n_champ[i]):
                champs.append(len(rows))
                rows.append((i, "champion", c0, NULL))
            for _ in range(n_admin[i]):
                rows.append((i, "admin", c0, NULL))
            for _ in range(n_user[i]):
                f = c0 + int(rng.integers(0, 200))
                if f > self.end:
                    continue
                t = NULL
                if rng.random() < 0.08:
                    t = f + int(rng.integers(30, 400))
                    t = t if t <= self.end else NULL
                rows.append((i, "user", f, t))
            drift_days = [w * 7 + int(rng.integers(0, 7)) for w in np.flatnonzero(drift[i])]
            for d in sorted(champ_leaves[i] + [d for d in drift_days if d >= c0]):
                if not self._alive_on(i, d):
                    continue
                active = [j for j in champs if rows[j][2] <= d and rows[j][3] == NULL]
                if not active:
                    continue
                j = active[0]
                rows[j] = (i, "champion", rows[j][2], d)
                lr = float(rel[i, self._grid(d)])
                lo, hi = CHAMPIONS["replace_probability"]
                if rng.random() < lo + (hi - lo) * lr:
                    f = d + int(rng.integers(28, 141) * (0.6 + 1.2 * (1 - lr)))
                    if self._alive_on(i, f):
                        champs.append(len(rows))
                        rows.append((i, "champion", f, NULL))
        acct = np.array([r[0] for r in rows], dtype=np.int64)
        role = np.array([r[1] for r in rows], dtype=object)
        a_from = np.array([r[2] for r in rows], dtype=np.int64)
        a_to = np.array([r[3] for r in rows], dtype=np.int64)
        m = acct.size
        first = rng.integers(0, len(FIRST_NAMES), m)
        last = rng.integers(0, len(LAST_NAMES), m)
        email = np.array(
            [
                f"{to_ascii(FIRST_NAMES[f])}.{to_ascii(LAST_NAMES[ln]).replace(chr(39), '')}"
                f"@{self.domains[a]}"
                for f, ln, a in zip(first, last, acct, strict=True)
            ],
            dtype=object,
        )
        email[rng.random(m) < 0.03] = None
        phone = np.empty(m, dtype=object)
        ra = self.region[acct]
        nums = rng.integers(0, 10_000, m)
        areas = PHONE["amer"][1]
        area = rng.integers(0, len(areas), m)
        for j in range(m):
            if ra[j] == 0:
                phone[j] = PHONE["amer"][0].format(a=areas[area[j]], b=nums[j] % 100)
            elif ra[j] == 1:
                phone[j] = PHONE["emea"][0].format(c=nums[j] % 1000)
            else:
                phone[j] = PHONE["apac"][0].format(d=nums[j])
        phone[rng.random(m) < 0.4] = None
        self.contact = {
            "acct": acct,
            "role": role,
            "from": a_from,
            "to": np.where(a_to == NULL, FAR, a_to),
        }
        ids = self._new("contact", m)
        self.contact["id"] = ids
        base = np.maximum(a_from, np.where(a_to == NULL, a_from, a_to))
        self._put(
            "crm.contacts",
            {
                "_acct": acct,
                "contact_id": ids,
                "role": role,
                "email": email,
                "phone": phone,
                "active_from": a_from,
                "active_to": a_to,
            },
            self._day_us(np.clip(base, None, self.end)) + 4 * HOUR_US,
            stale_contact,
        )
        # padded per-role lookup: role -> (n, kmax) of contact row indices (-1 = none)
        self.role_index: dict[str, np.ndarray] = {}
        for r in ("sponsor", "champion", "admin", "user", "any"):
            sel = np.flatnonzero(role == r) if r != "any" else np.arange(m)
            counts = np.bincount(acct[sel], minlength=self.n)
            kmax = max(int(counts.max()) if counts.size else 0, 1)
            mat = np.full((self.n, kmax), -1, dtype=np.int64)
            order = np.argsort(acct[sel], kind="stable")
            srt = sel[order]
            pos = np.arange(srt.size) - np.repeat(np.cumsum(counts) - counts, counts)
            mat[acct[srt], pos] = srt
            self.role_index[r] = mat

    def _pick_contacts(
        self, acct: np.ndarray, day: np.ndarray, probs: dict[str, float]
    ) -> np.ndarray:
        """A contact (row index, -1 = none) per item: role drawn from probs, active on day."""
        roles = list(probs)
        choice = self.rng.choice(len(roles), acct.size, p=list(probs.values()))
        out = np.full(acct.size, -1, dtype=np.int64)
        for r_i, r in enumerate([*roles, "any"]):
            sel = np.flatnonzero((choice == r_i) if r != "any" else (out < 0))
            if sel.size == 0:
                continue
            cand = self.role_index[r][acct[sel]]
            c = np.clip(cand, 0, None)
            ok = (
                (cand >= 0)
                & (self.contact["from"][c] <= day[sel, None])
                & (self.contact["to"][c] >= day[sel, None])
            )
            score = self.rng.random(cand.shape) * ok
            best = score.argmax(axis=1)
            got = ok[np.arange(sel.size), best]
            out[sel[got]] = cand[got, best[got]]
        return out

    def _activities(self) -> None:
        rng = self.rng
        W = self.p.window_weeks
        k = np.arange(W) + PRE_WEEKS
        rel = self.latent["relationship"][:, k]
        seg = self.segment
        parts = []
        specs = (
            # kind, weekly base per segment, rate = base * (a + b * L^k)
            ("meeting", np.array([0.5, 0.2, 0.06]), 0.1, 1.4, 2),
            ("call", np.array([0.4, 0.25, 0.1]), 0.05, 1.5, 2),
            ("email", np.array([1.5, 0.8, 0.3]), 0.3, 1.2, 1),
        )
        for kind, base, a, b, k_exp in specs:
            acct, day = self._weekly_counts(base[seg][:, None] * (a + b * rel**k_exp))
            if kind != "email":
                day = self._to_weekday(day)
                keep = self._alive(acct, day)
                acct, day = acct[keep], day[keep]
            lr = self._family_at("relationship", acct, day)
            if kind == "meeting":
                held = rng.random(acct.size) < np.clip(1.2 * lr - 0.05, 0.05, 0.97)
                outcome = np.where(
                    held, "held", np.where(rng.random(acct.size) < 0.65, "cancelled", "no_show")
                )
                sponsor = 0.02 + 0.35 * lr
                champion = 0.1 + 0.55 * lr
            else:
                outcome = np.full(acct.size, "completed")
                sponsor = 0.02 + 0.12 * lr
                champion = 0.1 + 0.5 * lr
            # role per item: sponsor / champion / other (admin or user)
            u = rng.random(acct.size)
            contact = np.full(acct.size, -1, dtype=np.int64)
            for role, sel in (
                ("sponsor", u < sponsor),
                ("champion", (u >= sponsor) & (u < sponsor + champion)),
                ("other", u >= sponsor + champion),
            ):
                idx = np.flatnonzero(sel)
                probs = {"admin": 0.5, "user": 0.5} if role == "other" else {role: 1.0}
                contact[idx] = self._pick_contacts(acct[idx], day[idx], probs)
            contact[rng.random(acct.size) < 0.04] = -1
            ts = (
                self._business_time(acct, day)
                if kind != "email"
                else self._day_us(day) + rng.integers(0, 24 * HOUR_US, acct.size)
            )
            parts.append(
                (acct, np.full(acct.size, kind, dtype=object), outcome.astype(object), contact, ts)
            )
        acct = np.concatenate([q[0] for q in parts])
        contact = np.concatenate([q[3] for q in parts])
        ts = np.concatenate([q[4] for q in parts])
        self._put(
            "crm.activities",
            {
                "_acct": acct,
                "activity_id": self._new("activity", acct.size),
                "contact_id": np.where(
                    contact >= 0, self.contact["id"][np.clip(contact, 0, None)], NULL
                ),
                "activity_type": np.concatenate([q[1] for q in parts]),
                "outcome": np.concatenate([q[2] for q in parts]),
                "occurred_at": ts,
            },
            ts,
            stale_activity,
        )

    def _sentiment(self) -> None:
        rng = self.rng
        W = self.p.window_weeks
        cadence = np.array([SENTIMENT["cadence_weeks"][s] for s in SEGMENTS])[self.segment]
        hit = rng.random((self.n, W)) < (1.0 / cadence)[:, None]
        acct, week = np.nonzero(hit)
        day = week * 7 + rng.integers(0, 5, acct.size)
        # an extra entry shortly after a champion leaves
        cl_acct, cl_k = np.nonzero(self.shocks["champion_leaves"])
        extra = rng.random(cl_acct.size) < 0.7
        cl_day = (cl_k[extra] - PRE_WEEKS) * 7 + rng.integers(7, 15, int(extra.sum()))
        acct = np.concatenate([acct, cl_acct[extra]])
        day = self._to_weekday(np.concatenate([day, cl_day]))
        keep = self._alive(acct, day) & (day >= 0)
        acct, day = acct[keep], day[keep]
        m = acct.size
        q = (
            0.8 * self._family_at("relationship", acct, day)
            + 0.2 * self.health[acct, self._grid(day)]
        )
        noisy = q + rng.normal(0, 0.10, m)
        score = np.clip(np.round(1 + 4 * noisy), 1, 5).astype(np.int64)
        rag_mode = rng.random(m) < SENTIMENT["rag_share"]
        rag = np.where(noisy < 0.4, "red", np.where(noisy < 0.65, "amber", "green")).astype(object)
        level = np.where(noisy < 0.45, "low", np.where(noisy < 0.7, "mid", "high"))
        note = np.empty(m, dtype=object)
        pick = rng.integers(0, 1000, m)
        for lv, texts in NOTES.items():
            sel = level == lv
            note[sel] = np.array(texts, dtype=object)[pick[sel] % len(texts)]
        note[rng.random(m) < 0.25] = None
        override = rng.random(m) < SENTIMENT["override_share"]
        tier = np.where(noisy < 0.35, "critical", np.where(noisy < 0.6, "at_risk", "healthy"))
        ts = self._business_time(acct, day)
        lo, hi = SENTIMENT["override_days"]
        expires = ts + rng.integers(lo, hi + 1, m) * DAY_US
        author_idx = np.where(
            (rng.random(m) < 0.9) & ~self.no_owner[acct],
            self.owner[acct],
            rng.integers(0, len(CSMS), m),
        )
        self._put(
            "crm.sentiment",
            {
                "_acct": acct,
                "sentiment_id": self._new("sentiment", m),
                "author": np.array(CSMS, dtype=object)[author_idx],
                "sentiment_score": np.where(rag_mode, NULL, score),
                "rag": np.where(rag_mode, rag, None),
                "note": note,
                "recorded_at": ts,
                "override_tier": np.where(override, tier.astype(object), None),
                "override_expires_at": np.where(override, expires, NULL),
            },
            ts,
            stale_sentiment,
        )


# Stale versions for duplicates with changed content: mutate the earlier copy (rows idx).
def stale_contact(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    left = t["active_to"][idx] != NULL
    t["email"][idx[~left]] = None  # the email was added later
    t["active_to"][idx[left]] = NULL  # not yet marked as gone


def stale_activity(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["occurred_at"][idx] -= rng.integers(1, 4, idx.size) * DAY_US  # later rescheduled


def stale_sentiment(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["note"][idx] = "(draft)"
