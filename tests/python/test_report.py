"""The HTML report: self-contained, and it renders in a real headless Chromium without errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from customer_health import calibrate, report
from customer_health.cli import main
from customer_health.warehouse import Warehouse

from . import calibration_book

CHROMIUM_HINT = (
    "Chromium is needed to check that the report renders: install it with "
    "`apt-get install chromium` (Debian/Ubuntu) and run the tests again."
)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=15000",
    "--enable-logging=stderr",
    "--v=0",
]


class AssetRefs(HTMLParser):
    """Every src/href attribute of the document's real elements (not text inside scripts)."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "srcset", "data") and value:
                self.refs.append((tag, name, value))


def external(value: str) -> bool:
    return bool(re.match(r"\s*(https?:)?//", value, flags=re.IGNORECASE))


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(CHROMIUM_HINT, pytrace=False)
    return found


def run_chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="session")
def built_report(
    duck_built: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> report.ReportResult:
    """With the calibration of a synthetic renewal book: the 240-account test book is too
    young to calibrate (its own calibration is refused), and every chart must render."""
    out = tmp_path_factory.mktemp("report")
    renewals = calibration_book.synthetic_book(
        out / "renewals.duckdb", "factor", calibration_book.scrambled_weights()
    )
    calibrate.run_calibration(renewals, json_path=out / "calibration.json")
    return report.build_report(
        duck_built, out / "health_report.html", calibration_json=out / "calibration.json"
    )


def test_report_is_self_contained(built_report: report.ReportResult) -> None:
    html = built_report.path.read_text(encoding="utf-8")
    parser = AssetRefs()
    parser.feed(html)
    outside = [ref for ref in parser.refs if external(ref[2])]
    assert not outside, f"external references: {outside}"
    assert not re.search(r"<link\b[^>]*stylesheet", html, flags=re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", html, flags=re.IGNORECASE)
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, flags=re.IGNORECASE)
    assert html.count('class="plotly-graph-div"') == built_report.charts
    assert html.count("* plotly.js v") == 1  # the bundle is inlined exactly once
    assert built_report.calibration_status == "proposed"
    assert built_report.charts >= 10
    for section in ("portfolio", "attention", "alerts", "calibration"):
        assert f'id="{section}"' in html
    assert html.count("How to read it:") >= built_report.charts


def test_report_renders_in_headless_chromium(
    built_report: report.ReportResult, tmp_path: Path, artifacts_dir: Path
) -> None:
    url = built_report.path.resolve().as_uri()
    dom = run_chromium(["--dump-dom", url], tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body, dom.stdout[:500]
    errors = re.search(r'data-js-errors="(\d+)"', body.group(0))
    charts = re.search(r'data-charts="(\d+)"', body.group(0))
    assert errors and errors.group(1) == "0", body.group(0)
    assert charts and int(charts.group(1)) >= built_report.charts, body.group(0)
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "Uncaught" in line], console
    assert "Uncaught" not in dom.stderr

    shot = artifacts_dir / "report.png"
    shot.unlink(missing_ok=True)
    run = run_chromium(
        [f"--screenshot={shot}", "--window-size=1400,3000", url], tmp_path / "profile-shot"
    )
    assert run.returncode == 0, run.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1400, 3000)
    assert len(data) > 100_000, "a blank page compresses to a few kB"


def test_report_shows_the_refusal_instead_of_calibration_charts(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    message = "Not enough history to calibrate: 8 distinct labelled score dates are needed."
    refused = tmp_path / "calibration.json"
    refused.write_text(json.dumps({"status": "refused", "message": message}))
    result = report.build_report(duck_built, tmp_path / "r.html", calibration_json=refused)
    html = result.path.read_text(encoding="utf-8")
    assert result.calibration_status == "refused"
    assert message in html
    assert 'id="chart-roc"' not in html and 'id="chart-weights"' not in html
    assert 'id="chart-risk"' in html


def test_cli_report_writes_the_file(
    duck_built: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTOMER_HEALTH_DUCKDB_PATH", str(duck_built.duckdb_path))
    out = tmp_path / "report.html"
    calibration = tmp_path / "cal.json"
    calibration.write_text(json.dumps({"status": "refused", "message": "too little history"}))
    run = CliRunner().invoke(
        main, ["report", "--output", str(out), "--calibration-json", str(calibration)]
    )
    assert run.exit_code == 0, run.output
    assert str(out.resolve()) in run.output
    assert out.stat().st_size > 1_000_000  # plotly.js is inlined
