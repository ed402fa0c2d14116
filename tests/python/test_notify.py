"""`customer-health notify`: each alert delivered once to a local webhook receiver, retries on
503 and 429 (Retry-After), a permanent 400 left for the next run, the budget and --max, the
Block Kit payload, and the state table on DuckDB and Postgres."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from customer_health.cli import main
from customer_health.delivery import notify, state, webhook
from customer_health.pgcluster import PgCluster
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb, copy_postgres

FAST = webhook.RetryPolicy(max_attempts=3, base_delay=0.5, max_wait=30.0, timeout=5.0)
CRM_URL = "https://example.my.salesforce.com/{crm_account_id}"


@dataclass
class Received:
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: answers each request with the next scripted
    (status, headers), then 200."""

    url: str = ""
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> tuple[int, dict[str, str]]:
        with self.lock:
            return self.script.pop(0) if self.script else (200, {})

    def keys(self) -> list[str]:
        return [r.headers["Idempotency-Key"] for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            with box.lock:
                box.received.append(Received(dict(self.headers.items()), body))
            status, headers = box.answer()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"no")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_port}/services/hook"
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def wh(duck_built: Warehouse, tmp_path: Path) -> Warehouse:
    return copy_duckdb(duck_built, tmp_path)


class Sleeps(list):
    """The injected sleep: records the waits, never sleeps."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def due_alert_ids(wh: Warehouse) -> set[str]:
    frame = wh.query_df(
        "select alert_id from marts.mart_health_alerts "
        "where is_current_period and delivery_status = 'deliver'"
    )
    return set(frame["alert_id"].astype(str))


def deliveries(wh: Warehouse) -> dict[str, str]:
    frame = wh.query_df(f"select alert_id, status from {state.ALERT_DELIVERIES}")
    return dict(zip(frame["alert_id"], frame["status"], strict=True))


def run(wh: Warehouse, receiver: Receiver, **kwargs: Any) -> notify.NotifyReport:
    kwargs.setdefault("policy", FAST)
    kwargs.setdefault("sleep", Sleeps())
    return notify.run_notify(wh, receiver.url, crm_url_template=CRM_URL, **kwargs)


def test_delivers_each_alert_once_and_a_second_run_sends_nothing(
    wh: Warehouse, receiver: Receiver
) -> None:
    due = due_alert_ids(wh)
    assert len(due) >= 3, "the demo book should fire a few alerts in its current period"
    first = run(wh, receiver)
    assert len(receiver.received) == len(due) == len(first.sent)
    assert {r.body["metadata"]["event_payload"]["alert_id"] for r in receiver.received} == due
    assert len(set(receiver.keys())) == len(due)
    assert deliveries(wh) == dict.fromkeys(due, state.DELIVERED)
    assert first.failed == [] and first.exit_code == 0

    second = run(wh, receiver)
    assert len(receiver.received) == len(due), "a second run must send nothing"
    assert second.sent == [] and second.skipped == len(due)
    text = "\n".join(notify.summary_lines(second, wh))
    assert f"skipped:{'':<8}{len(due)}" in text
    assert "delivery.alert_deliveries" in text


def test_retries_a_503_then_succeeds_with_the_same_idempotency_key(
    wh: Warehouse, receiver: Receiver
) -> None:
    receiver.script = [(503, {})]
    sleeps = Sleeps()
    report = run(wh, receiver, max_alerts=1, sleep=sleeps)
    assert len(report.sent) == 1 and report.failed == []
    assert len(receiver.received) == 2
    assert receiver.keys()[0] == receiver.keys()[1]
    assert receiver.received[0].body == receiver.received[1].body
    assert sleeps == [FAST.base_delay]  # exponential backoff, first step
    assert "2 attempt(s)" in report.sent[0].detail


def test_honours_retry_after_on_429(wh: Warehouse, receiver: Receiver) -> None:
    receiver.script = [(429, {"Retry-After": "7"}), (429, {"Retry-After": "2"})]
    sleeps = Sleeps()
    report = run(wh, receiver, max_alerts=1, sleep=sleeps)
    assert len(report.sent) == 1
    assert sleeps == [7.0, 2.0]
    assert len(set(receiver.keys())) == 1


def test_exponential_backoff_is_capped_and_attempts_are_bounded(
    wh: Warehouse, receiver: Receiver
) -> None:
    receiver.script = [(500, {})] * 5 + [(503, {"Retry-After": "3600"})]
    sleeps = Sleeps()
    policy = webhook.RetryPolicy(max_attempts=4, base_delay=1.0, max_wait=3.0, timeout=5.0)
    report = run(wh, receiver, max_alerts=1, sleep=sleeps, policy=policy)
    assert sleeps == [1.0, 2.0, 3.0]  # 1, 2, then 4 cut to max_wait
    assert len(receiver.received) == 4
    assert report.sent == [] and len(report.failed) == 1
    assert "gave up after 4 attempts" in report.failed[0].detail
    assert set(deliveries(wh).values()) == {state.FAILED}
    assert report.exit_code == 1
    # a Retry-After above the cap waits the cap, not an hour
    receiver.script = [(503, {"Retry-After": "3600"})]
    sleeps.clear()
    run(wh, receiver, max_alerts=1, sleep=sleeps, policy=policy)
    assert sleeps == [3.0]


def test_a_permanent_400_is_reported_not_delivered_and_retried_next_run(
    wh: Warehouse, receiver: Receiver
) -> None:
    receiver.script = [(400, {})]
    sleeps = Sleeps()
    first = run(wh, receiver, max_alerts=1, sleep=sleeps)
    assert len(receiver.received) == 1, "a 400 is not retried within the run"
    assert sleeps == []
    assert first.sent == [] and len(first.failed) == 1
    assert "HTTP 400" in first.failed[0].detail
    failed_id = first.failed[0].alert_id
    assert deliveries(wh) == {failed_id: state.FAILED}
    text = "\n".join(notify.summary_lines(first, wh))
    assert "failed:" in text and "the next run tries again" in text and failed_id in text

    second = run(wh, receiver, max_alerts=1)
    assert [o.alert_id for o in second.sent] == [failed_id]
    assert receiver.keys()[0] == receiver.keys()[1]
    assert deliveries(wh)[failed_id] == state.DELIVERED


def test_a_crash_between_send_and_record_resends_with_the_same_key(
    wh: Warehouse, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed after the send")

    with monkeypatch.context() as patched:
        patched.setattr(state, "mark_outcome", crash)
        with pytest.raises(RuntimeError):
            run(wh, receiver, max_alerts=1)
    assert len(receiver.received) == 1
    ((alert_id, status),) = deliveries(wh).items()
    assert status == state.ATTEMPTED

    again = run(wh, receiver, max_alerts=1)
    assert [o.alert_id for o in again.resent] == [alert_id]
    assert receiver.keys()[0] == receiver.keys()[1] == state.idempotency_key(alert_id, "slack")
    assert deliveries(wh)[alert_id] == state.DELIVERED
    assert "same idempotency key" in "\n".join(notify.summary_lines(again, wh))


def test_budget_and_max_hold_back_in_priority_order(wh: Warehouse, receiver: Receiver) -> None:
    due = sorted(due_alert_ids(wh))
    held = due[0]
    wh.execute(
        "update marts.mart_health_alerts set delivery_status = 'held_back', "
        f"held_back_reason = 'over the budget' where alert_id = '{held}'"
    )
    ordered = [a["alert_id"] for a in notify.load_alerts(wh, None) if a["alert_id"] != held]
    report = run(wh, receiver, max_alerts=2)
    assert [o.alert_id for o in report.sent] == ordered[:2]
    assert report.held_back_budget == 1
    assert [o.alert_id for o in report.held_back_max] == ordered[2:]
    assert held not in {r.body["metadata"]["event_payload"]["alert_id"] for r in receiver.received}
    text = "\n".join(notify.summary_lines(report, wh))
    assert f"held back:{'':<6}{1 + len(ordered) - 2}" in text
    severities = [a["severity"] for a in notify.load_alerts(wh, None)]
    ranks = [notify.SEVERITY_ORDER[s] for s in severities]
    assert ranks == sorted(ranks), "priority order starts with the most severe"

    later = run(wh, receiver)
    assert {o.alert_id for o in later.sent} == set(ordered[2:])
    assert later.held_back_budget == 1 and later.skipped == 2


def test_payload_is_block_kit_with_the_cause_values_owner_and_crm_link(
    wh: Warehouse, receiver: Receiver
) -> None:
    run(wh, receiver, max_alerts=1)
    (got,) = receiver.received
    body, key = got.body, got.headers["Idempotency-Key"]
    assert set(body) >= {"text", "blocks"}
    assert isinstance(body["text"], str) and body["text"]
    types = [b["type"] for b in body["blocks"]]
    assert types[0] == "header" and "section" in types and "actions" in types
    alert = next(
        a
        for a in notify.load_alerts(wh, None)
        if a["alert_id"] == body["metadata"]["event_payload"]["alert_id"]
    )
    texts = json.dumps(body["blocks"], ensure_ascii=False)
    why = next(b["text"]["text"] for b in body["blocks"] if b["text"]["text"].startswith("*Why*"))
    assert re.search(r"\d", why), "the cause must carry its values"
    assert alert["cause"] in why
    assert alert["owner_csm"] in texts and alert["recommended_action"] in texts
    assert f"{alert['health_score']:.0f} / 100" in texts
    button = next(b for b in body["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["url"] == f"https://example.my.salesforce.com/{alert['account_id']}"
    assert body["metadata"]["event_payload"]["idempotency_key"] == key
    assert key == state.idempotency_key(alert["alert_id"], "slack")
    assert got.headers["Content-Type"].startswith("application/json")


def test_dry_run_prints_payloads_and_sends_nothing(
    wh: Warehouse, receiver: Receiver, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        main, ["notify", "--dry-run", "--max", "2", "--target", "duckdb"], env=wh.env()
    )
    assert result.exit_code == 0, result.output
    assert result.output.count('"blocks"') == 2
    assert "would send:" in result.output and "nothing written (dry run)" in result.output
    assert receiver.received == []
    tables = wh.query_df(
        "select table_name from information_schema.tables where table_schema = 'delivery'"
    )
    assert tables.empty, "a dry run records nothing"


def test_cli_sends_then_skips_and_needs_a_url(wh: Warehouse, receiver: Receiver) -> None:
    env = {**wh.env(), "CUSTOMER_HEALTH_WEBHOOK_URL": receiver.url}
    first = CliRunner().invoke(main, ["notify", "--target", "duckdb"], env=env)
    assert first.exit_code == 0, first.output
    due = len(due_alert_ids(wh))
    assert f"sent:{'':<10}{due}" in first.output
    assert len(receiver.received) == due
    second = CliRunner().invoke(main, ["notify", "--target", "duckdb"], env=env)
    assert f"skipped:{'':<8}{due}" in second.output and len(receiver.received) == due
    receiver.script = [(404, {})]
    other = CliRunner().invoke(
        main, ["notify", "--channel", "other", "--max", "1", "--target", "duckdb"], env=env
    )
    assert other.exit_code == 1 and "HTTP 404" in other.output
    missing = CliRunner().invoke(main, ["notify", "--target", "duckdb"], env=wh.env())
    assert missing.exit_code == 2 and "no webhook URL" in missing.output


def test_no_answer_is_retried_and_then_reported(wh: Warehouse) -> None:
    # a port nothing listens on: connection refused, retried, then failed
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_port
    server.server_close()
    sleeps = Sleeps()
    report = notify.run_notify(
        wh, f"http://127.0.0.1:{port}/hook", max_alerts=1, policy=FAST, sleep=sleeps
    )
    assert len(report.failed) == 1 and "no answer" in report.failed[0].detail
    assert sleeps == [0.5, 1.0]


@pytest.mark.postgres
def test_state_table_on_postgres(
    pg_built: Warehouse, pg_cluster: PgCluster, receiver: Receiver
) -> None:
    pg = copy_postgres(pg_built, pg_cluster, "delivery_notify_test")
    due = due_alert_ids(pg)
    receiver.script = [(503, {})]
    first = run(pg, receiver)
    assert {o.alert_id for o in first.sent} == due
    assert deliveries(pg) == dict.fromkeys(due, state.DELIVERED)
    second = run(pg, receiver)
    assert second.sent == [] and second.skipped == len(due)
    assert len(receiver.received) == len(due) + 1  # one retry of the 503
    columns = pg.query_df(
        "select column_name from information_schema.columns "
        "where table_schema = 'delivery' and table_name = 'alert_deliveries'"
    )
    assert {"alert_id", "channel", "idempotency_key", "status", "attempts"} <= set(
        columns["column_name"]
    )


def test_erasing_an_account_erases_its_delivery_state(wh: Warehouse, receiver: Receiver) -> None:
    from customer_health import privacy

    run(wh, receiver)
    account = notify.load_alerts(wh, None)[0]["account_id"]
    assert not wh.query_df(
        f"select 1 from {state.ALERT_DELIVERIES} where account_id = '{account}'"
    ).empty
    privacy.erase(wh, "account", account)
    assert wh.query_df(
        f"select 1 from {state.ALERT_DELIVERIES} where account_id = '{account}'"
    ).empty
    assert 0 < len(deliveries(wh)) < len(receiver.received), "other accounts' state stays"


def test_expansion_alerts_are_sent_once_to_the_owner_with_the_play(
    wh: Warehouse, receiver: Receiver
) -> None:
    """`notify --alerts expansion`: the accounts entering ready in the current period, each
    once, with the expansion score and the play; the health alerts are not sent with them."""
    due = set(
        wh.query_df(
            "select alert_id from marts.mart_expansion_alerts "
            "where is_current_period and delivery_status = 'deliver'"
        )["alert_id"].astype(str)
    )
    assert due, "the demo book should have accounts entering ready in its current period"
    assert not due & due_alert_ids(wh)
    env = {**wh.env(), "CUSTOMER_HEALTH_WEBHOOK_URL": receiver.url}
    first = CliRunner().invoke(
        main, ["notify", "--alerts", "expansion", "--target", "duckdb"], env=env
    )
    assert first.exit_code == 0, first.output
    assert "marts.mart_expansion_alerts" in first.output
    assert f"sent:{'':<10}{len(due)}" in first.output
    sent = {r.body["metadata"]["event_payload"]["alert_id"] for r in receiver.received}
    assert sent == due
    alert = next(a for a in notify.load_alerts(wh, None, "expansion") if a["alert_id"] in sent)
    body = next(
        r.body
        for r in receiver.received
        if r.body["metadata"]["event_payload"]["alert_id"] == alert["alert_id"]
    )
    texts = json.dumps(body["blocks"], ensure_ascii=False)
    assert f"*Expansion score*\\n{alert['expansion_score']:.0f} / 100" in texts
    assert alert["owner_csm"] in texts and alert["recommended_action"] in texts
    assert alert["expansion_play"].replace("_", " ") in texts
    assert alert["cause"] in texts and "ready" in texts
    second = CliRunner().invoke(
        main, ["notify", "--alerts", "expansion", "--target", "duckdb"], env=env
    )
    assert f"skipped:{'':<8}{len(due)}" in second.output
    assert len(receiver.received) == len(due), "a second run must send nothing"
