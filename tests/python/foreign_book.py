"""A foreign book: a hand-written export from a company we did not generate, in the raw contract.

Two tenants (a Norwegian and a Japanese business unit) and eighteen accounts written out by
hand below. Every value is odd but legal: ids with leading zeros, names with quotes, accents,
Japanese and Arabic script, segments spelled four ways, enumerations in any case, yen amounts
without decimals, Swiss francs, timestamps in Tokyo, Oslo (across a daylight-saving change) and
Newfoundland (-03:30) time, a leap-day customer, plus-addressed e-mails, phones with
extensions, a parent account, a soft-deleted account whose activity stopped before it was
deleted, and empty optional columns.

The daily rows (events, invoices, ...) follow simple written rules per account, from the
account's health below, so the scores spread over the tiers. Four rows are illegal, as in any
real export, and must be quarantined with the reasons in :data:`EXPECTED_QUARANTINE`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

END = date(2026, 10, 31)  # the export's last day
DAYS = 120

# id, name, segment (as spelled in the CRM), industry, region, CSM, parent, created, tenant,
# health (drives the daily rules), currency
ACCOUNTS: list[tuple] = [
    ("0042", "Fjord Analytics AS", "Mid-Market", "Software", "EMEA", "Ingrid Bjørnstad", None, "2023-05-17", "nord", "healthy", "EUR"),
    ("0043", "Smørbrød & Søn", " smb ", "Food", "emea", "Ingrid Bjørnstad", None, "2024-01-09", "nord", "at_risk", "EUR"),
    ("0044", "O'Reilly \"Heavy\" Lifting GmbH", "ENT", "Manufacturing", "DACH", "Lukas Müller", None, "2022-11-30", "nord", "healthy", "CHF"),
    ("0045", "Zürcher Präzision AG", "Enterprise", "Manufacturing", "DACH", "Lukas Müller", "0044", "2023-03-01", "nord", "at_risk", "CHF"),
    ("0046", "Trøndelag Energi", "MID MARKET", "Energy", None, "Ingrid Bjørnstad", None, "2023-08-21", "nord", "healthy", "EUR"),
    ("0047", "Bergen Bryggeri \U0001f37a", "Small Business", "Food", "EMEA", None, None, "2024-06-03", "nord", "critical", "EUR"),
    ("0048", "Ålesund Shipping ASA", "enterprise", "Logistics", "EMEA", "Ingrid Bjørnstad", None, "2022-04-12", "nord", "healthy", "EUR"),
    ("0049", "شركة الخليج للتقنية", "mid_market", "Software", "MEA", "Lukas Müller", None, "2024-09-15", "nord", "at_risk", "USD"),
    ("0050", "Lofoten Fiskeri", "SMB", "Food", "EMEA", "Ingrid Bjørnstad", None, "2025-01-20", "nord", "critical", "EUR"),
    ("1001", "北海道ロジスティクス株式会社", "Enterprise", "Logistics", "APAC", "佐藤 花子", None, "2024-02-29", "tokyo", "healthy", "JPY"),
    ("1002", "株式会社さくらソフト", "Mid-Market", "Software", "APAC", "佐藤 花子", None, "2023-07-07", "tokyo", "healthy", "JPY"),
    ("1003", "Osaka Robotics K.K.", "ent", "Manufacturing", "APAC", "Kenji Watanabe", None, "2022-10-01", "tokyo", "at_risk", "JPY"),
    ("1004", "京都デザイン合同会社", "smb", "Design", "APAC", "Kenji Watanabe", None, "2024-12-24", "tokyo", "healthy", "JPY"),
    ("1005", "Nagoya Parts & Co.", "Mid Market", "Manufacturing", "APAC", "佐藤 花子", None, "2023-04-01", "tokyo", "critical", "JPY"),
    ("1006", "Sapporo \"Snow\" Games", "SMB", "Gaming", "APAC", "Kenji Watanabe", None, "2025-02-14", "tokyo", "healthy", "JPY"),
    ("1007", "Yokohama Finance Co.", "Enterprise", "Finance", "APAC", "佐藤 花子", None, "2022-06-30", "tokyo", "healthy", "AUD"),
    ("1008", "Kobe Kitchens", "small business", "Food", "APAC", "Kenji Watanabe", None, "2024-03-31", "tokyo", "at_risk", "CAD"),
    # soft-deleted in the CRM after its activity stopped: legal, nothing to quarantine
    ("1009", "Closed Dormant K.K.", "smb", None, None, None, None, "2023-01-15", "tokyo", "deleted", "JPY"),
]  # fmt: skip

ZONES = {"nord": ZoneInfo("Europe/Oslo"), "tokyo": ZoneInfo("Asia/Tokyo")}
CRM_ZONE = ZoneInfo("America/St_Johns")  # the CRM writes Newfoundland time (-03:30 / -02:30)

FEATURES = [  # key, name, key feature
    ("reports", "Rapporter", True),
    ("dashboards", "ダッシュボード", True),
    ("api", "API", True),
    ("alerts", "Varsler / アラート", False),
    ("sso", "Single sign-on", False),
    ("exports", 'Export (CSV, "XLSX")', False),
]

MRR = {"EUR": 2400, "CHF": 5100, "USD": 1800, "JPY": 480000, "AUD": 9000, "CAD": 1500}

#: The illegal rows planted in the export, and the reason each must be quarantined with.
EXPECTED_QUARANTINE = {
    ("product.events", "QA-INTERNAL-0001"): "unknown_account",
    ("product.events", "0042-E-050-03"): "conflicting_duplicate",
    ("support.tickets", "T-1005-CLOCKSKEW"): "solved_before_created",
    ("billing.payments", "PAY-0043-REFUND"): "negative_amount",
}


def _day(d: int) -> date:
    return END - timedelta(days=DAYS - 1 - d)


def _at(day: date, hour: float, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(hours=hour)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _events_per_day(health: str, d: int) -> int:
    if health == "healthy":
        return 14 + (d * 7) % 5
    if health == "at_risk":
        return max(3, 14 - d // 12)  # a slow decline over the four months
    if health == "critical":
        return 1 + (d % 3 == 0)
    return 6 if d < 30 else 0  # deleted: active, then silent


def frames() -> dict[str, pd.DataFrame]:
    """The export, as one frame per raw table (loose types; the loader conforms them)."""
    rows: dict[str, list[dict]] = {key: [] for key in _TABLES}
    for acct, name, segment, industry, region, csm, parent, created, org, health, cur in ACCOUNTS:
        zone = ZONES[org]
        deleted = health == "deleted"
        rows["crm.accounts"].append(
            dict(
                account_id=acct,
                account_name=name,
                segment=segment,
                industry=industry,
                region=region,
                owner_csm=csm,
                parent_account_id=parent,
                created_date=created,
                org_id=org,
                _is_deleted=deleted,
                _loaded_at=_iso(_at(_day(40 if deleted else 0), 3, zone)),
            )
        )
        contacts = [("C", "Champion"), ("S", "SPONSOR"), ("U", "user"), ("A", "Admin")]
        for suffix, role in contacts:
            left = health == "critical" and suffix == "C"  # the champion left a month ago
            rows["crm.contacts"].append(
                dict(
                    contact_id=f"{acct}-{suffix}",
                    account_id=acct,
                    role=role,
                    email=f"  {name.split()[0].upper()}+{suffix.lower()}@Example.{org.upper()} ",
                    phone=f"+47 22 33 {acct[-2:]} {len(role)}0 ext. {suffix}"
                    if org == "nord"
                    else f"(03) 1234-{acct}",
                    active_from=created,
                    active_to=_day(DAYS - 30) if left else None,
                    org_id=org,
                    _loaded_at=_iso(_at(_day(DAYS - 29 if left else 0), 4, zone)),
                )
            )
        rows["product.seats"].append(
            dict(
                account_id=acct,
                effective_date=created,
                licensed_seats=12 if org == "nord" else 40,
                org_id=org,
                _loaded_at=_iso(_at(_day(0), 2, zone)),
            )
        )
        sub = f"SUB-{acct}"
        rows["billing.subscriptions"].append(
            dict(
                subscription_id=sub,
                account_id=acct,
                plan="Business Plus",
                seats=12,
                mrr_amount=MRR[cur],
                currency=cur.lower() if org == "tokyo" else cur,
                status="Active",
                started_at=_iso(_at(date.fromisoformat(created), 9, zone)),
                cancelled_at=None,
                org_id=org,
                _loaded_at=_iso(_at(_day(0), 2, zone)),
            )
        )
        renewal = _day(DAYS - 1) + timedelta(days=45 + int(acct[-1]) * 20)
        rows["crm.contracts"].append(
            dict(
                contract_id=f"K-{acct}",
                account_id=acct,
                start_date=renewal - timedelta(days=365),
                end_date=renewal - timedelta(days=1),
                renewal_date=renewal,
                arr_amount=MRR[cur] * 12,
                currency=cur,
                status="ACTIVE",
                org_id=org,
                _loaded_at=_iso(_at(_day(0), 2, zone)),
            )
        )
        rows["crm.opportunities"].append(
            dict(
                opportunity_id=f"O-{acct}",
                account_id=acct,
                opportunity_type="Renewal",
                stage="Open",
                close_date=renewal,
                amount=MRR[cur] * 12,
                previous_amount=MRR[cur] * 12,
                currency=cur,
                org_id=org,
                _loaded_at=_iso(_at(_day(0), 2, zone)),
            )
        )
        if health == "at_risk":
            rows["billing.plan_changes"].append(
                dict(
                    change_id=f"PC-{acct}",
                    subscription_id=sub,
                    account_id=acct,
                    change_type="Downgrade",
                    seats_before=12,
                    seats_after=8,
                    mrr_before=MRR[cur],
                    mrr_after=MRR[cur] * 2 // 3,
                    currency=cur,
                    changed_at=_iso(_at(_day(DAYS - 20), 11, zone)),
                    org_id=org,
                    _loaded_at=_iso(_at(_day(DAYS - 20), 13, zone)),
                )
            )
        for d in range(DAYS):
            day = _day(d)
            for k in range(_events_per_day(health, d)):
                feature = FEATURES[(k + d) % (len(FEATURES) if health == "healthy" else 3)][0]
                moment = _at(day, 7 + (k * 37 % 110) / 10, zone)
                rows["product.events"].append(
                    dict(
                        event_id=f"{acct}-E-{d:03d}-{k:02d}",
                        account_id=acct,
                        user_id=f"{acct}{k % (8 if health == 'healthy' else 3):03d}",
                        feature_key=feature,
                        occurred_at=_iso(moment),
                        org_id=org,
                        _loaded_at=_iso(moment + timedelta(hours=2, minutes=k)),
                    )
                )
            if deleted:
                continue
            every = {"healthy": 30, "at_risk": 12, "critical": 6}[health]
            if d % every == 3:
                created_at = _at(day, 10.5, zone)
                open_ticket = health == "critical" and d > DAYS - 40
                priority = "URGENT" if health == "critical" else ("High" if d % 2 else "normal")
                solved = (
                    None
                    if open_ticket
                    else created_at + timedelta(hours=6 if health == "healthy" else 70)
                )
                rows["support.tickets"].append(
                    dict(
                        ticket_id=f"T-{acct}-{d:03d}",
                        account_id=acct,
                        requester_id=f"{acct}-U",
                        priority=priority,
                        status="Open" if open_ticket else "Solved",
                        created_at=_iso(created_at),
                        first_response_at=_iso(created_at + timedelta(minutes=45)),
                        solved_at=_iso(solved) if solved else None,
                        reopened_count=0,
                        csat_score=(5 if health == "healthy" else 2) if d % 2 else None,
                        subject=f'Re: "export" fails\nfor {name}',
                        org_id=org,
                        _loaded_at=_iso((solved or created_at) + timedelta(hours=1)),
                    )
                )
            meet_every = {"healthy": 14, "at_risk": 35, "critical": 90}[health]
            if d % meet_every == 5 and not (health == "critical" and d > 40):
                moment = _at(day, 14, CRM_ZONE)
                rows["crm.activities"].append(
                    dict(
                        activity_id=f"ACT-{acct}-{d:03d}",
                        account_id=acct,
                        contact_id=f"{acct}-S",
                        activity_type="Meeting",
                        outcome="Held",
                        occurred_at=_iso(moment),
                        org_id=org,
                        _loaded_at=_iso(moment + timedelta(hours=3)),
                    )
                )
            if d % 21 == 7:
                moment = _at(day, 16.25, CRM_ZONE)
                score = {"healthy": 5, "at_risk": 3, "critical": 1}[health]
                rows["crm.sentiment"].append(
                    dict(
                        sentiment_id=f"SEN-{acct}-{d:03d}",
                        account_id=acct,
                        author=csm or "Team",
                        sentiment_score=score if d % 2 else None,
                        rag=None if d % 2 else {5: "Green", 3: "Yellow", 1: "RED"}[score],
                        note=f"Call with {name}: «renewal» discussed",
                        recorded_at=_iso(moment),
                        org_id=org,
                        _loaded_at=_iso(moment + timedelta(hours=1)),
                    )
                )
            if day.day == 1:
                invoice = f"INV-{acct}-{day:%Y%m}"
                late = health == "critical"
                paid = None if late and d > DAYS - 60 else day + timedelta(days=25 if late else 4)
                rows["billing.invoices"].append(
                    dict(
                        invoice_id=invoice,
                        account_id=acct,
                        amount=MRR[cur],
                        currency=cur,
                        issued_date=day,
                        due_date=day + timedelta(days=14),
                        paid_date=paid,
                        status="Paid" if paid else "OPEN",
                        org_id=org,
                        _loaded_at=_iso(_at(paid or day, 6, zone)),
                    )
                )
                attempts = 3 if late else 1
                for a in range(attempts):
                    ok = not late or (paid is not None and a == attempts - 1)
                    moment = _at(day + timedelta(days=2 + 7 * a), 8, zone)
                    rows["billing.payments"].append(
                        dict(
                            payment_id=f"PAY-{acct}-{day:%Y%m}-{a}",
                            invoice_id=invoice,
                            account_id=acct,
                            amount=MRR[cur],
                            currency=cur,
                            attempted_at=_iso(moment),
                            status="Succeeded" if ok else "FAILED",
                            failure_reason=None if ok else "Card Declined",
                            org_id=org,
                            _loaded_at=_iso(moment + timedelta(minutes=30)),
                        )
                    )
                if health == "critical" and d > DAYS - 40:
                    rows["billing.disputes"].append(
                        dict(
                            dispute_id=f"DSP-{acct}-{day:%Y%m}",
                            invoice_id=invoice,
                            account_id=acct,
                            amount=MRR[cur],
                            currency=cur,
                            dispute_type="Chargeback",
                            opened_at=_iso(_at(day + timedelta(days=9), 12, zone)),
                            status="open",
                            org_id=org,
                            _loaded_at=_iso(_at(day + timedelta(days=9), 15, zone)),
                        )
                    )
    for key, name, is_key in FEATURES:
        rows["product.features"].append(
            dict(
                feature_key=key,
                feature_name=name,
                is_key_feature=is_key,
                _loaded_at=_iso(_at(_day(0), 1, ZONES["nord"])),
            )
        )
    _plant_illegal_rows(rows)
    return {key: pd.DataFrame(value) for key, value in rows.items()}


def _plant_illegal_rows(rows: dict[str, list[dict]]) -> None:
    """Four rows no export should hold, as real ones do."""
    oslo = ZONES["nord"]
    # the product's own QA account sends events, and the CRM has never heard of it
    for k in range(1, 41):
        moment = _at(_day(DAYS - 1 - k % 20), 9 + k % 8, oslo)
        rows["product.events"].append(
            dict(
                event_id=f"QA-INTERNAL-{k:04d}",
                account_id="QA-INTERNAL",
                user_id="qa-bot",
                feature_key="api",
                occurred_at=_iso(moment),
                org_id="nord",
                _loaded_at=_iso(moment + timedelta(hours=1)),
            )
        )
    # an event delivered twice in one load, with two different features
    event = next(e for e in rows["product.events"] if e["event_id"] == "0042-E-050-03")
    rows["product.events"].append({**event, "feature_key": "sso"})
    # a ticket stamped solved before it was opened (the help desk's clock was off)
    ticket = next(t for t in rows["support.tickets"] if t["account_id"] == "1005")
    opened = datetime.fromisoformat(ticket["created_at"])
    rows["support.tickets"].append(
        {
            **ticket,
            "ticket_id": "T-1005-CLOCKSKEW",
            "status": "Solved",
            "solved_at": _iso(opened - timedelta(hours=1)),
            "first_response_at": None,
        }
    )
    # a refund landed as a negative payment
    payment = next(p for p in rows["billing.payments"] if p["account_id"] == "0043")
    rows["billing.payments"].append({**payment, "payment_id": "PAY-0043-REFUND", "amount": -1500})


_TABLES = (
    "crm.accounts", "crm.contacts", "crm.activities", "crm.sentiment", "crm.contracts",
    "crm.opportunities", "product.events", "product.features", "product.seats",
    "support.tickets", "billing.subscriptions", "billing.plan_changes", "billing.invoices",
    "billing.payments", "billing.disputes",
)  # fmt: skip
