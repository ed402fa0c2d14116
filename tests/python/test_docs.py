"""`customer-health docs`: the dbt docs site, with the exposures and the semantic layer, opens
from disk in a real headless Chromium without errors and shows the marts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from customer_health.cli import main
from customer_health.warehouse import Warehouse

from .test_report import run_chromium

EXPOSURES = {
    "health_report",
    "attention_list",
    "expansion_list",
    "alert_notifier",
    "customer_health_dashboard",
}


@pytest.fixture(scope="module")
def docs_dir(duck_built: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The site written by the CLI, and what the CLI printed."""
    out = tmp_path_factory.mktemp("docs") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CUSTOMER_HEALTH_DUCKDB_PATH", str(duck_built.duckdb_path))
        run = CliRunner().invoke(main, ["docs", "--output", str(out)])
    assert run.exit_code == 0, run.output
    return out, run.output


def test_cli_writes_the_site_and_says_where(docs_dir: tuple[Path, str]) -> None:
    out, output = docs_dir
    assert str((out / "index.html").resolve()) in output
    for name in ("index.html", "manifest.json", "catalog.json", "semantic_manifest.json"):
        assert (out / name).stat().st_size > 0, name
    html = (out / "index.html").read_text(encoding="utf-8")
    # the static site carries its manifest and catalog: no fetch, so it opens from disk
    assert "mart_account_health" in html
    assert "customer_success_analytics" in html


def test_site_documents_exposures_semantic_models_and_access(docs_dir: tuple[Path, str]) -> None:
    out, _ = docs_dir
    manifest = json.loads((out / "manifest.json").read_text())
    assert {e["name"] for e in manifest["exposures"].values()} == EXPOSURES
    assert {s["name"] for s in manifest["semantic_models"].values()} == {
        "account_health",
        "health_alerts",
        "renewal_backtest",
    }
    assert "churn_rate" in {m["name"] for m in manifest["metrics"].values()}
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    public = {name for name, node in models.items() if node["access"] == "public"}
    assert public == {
        "mart_account_health",
        "mart_account_health_history",
        "mart_account_health_factors",
        "mart_health_alerts",
        "mart_portfolio_health",
        "mart_account_diagnosis",
        "mart_diagnosis_disagreements",
        "mart_account_expansion",
        "mart_expansion_alerts",
    }
    assert {node["access"] for name, node in models.items() if name not in public} == {"protected"}
    for name in public:
        assert models[name]["group"] == "customer_success_analytics"
        assert models[name]["contract"]["enforced"], name
    catalog = json.loads((out / "catalog.json").read_text())
    assert "model.customer_health.mart_account_health" in catalog["nodes"]


def test_site_renders_in_headless_chromium(docs_dir: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = docs_dir
    page = (out / "index.html").resolve().as_uri()
    url = f"{page}#!/model/model.customer_health.mart_account_health"
    dom = run_chromium(["--dump-dom", url], tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "Uncaught" in line or "Error" in line], console
    assert "Uncaught" not in dom.stderr
    # the app rendered the model's page (not just the inlined manifest in a script tag)
    text = re.sub(r"<script\b.*?</script>", "", dom.stdout, flags=re.DOTALL | re.IGNORECASE)
    assert "mart_account_health" in text
    heading = re.search(r"<h1\b.*?</h1>", text, flags=re.DOTALL)
    assert heading and "mart_account_health" in heading.group(0), text[-3000:]
    exposure = run_chromium(
        ["--dump-dom", f"{page}#!/exposure/exposure.customer_health.health_report"],
        tmp_path / "profile-exposure",
    )
    assert exposure.returncode == 0, exposure.stderr[-2000:]
    text = re.sub(r"<script\b.*?</script>", "", exposure.stdout, flags=re.DOTALL | re.IGNORECASE)
    heading = re.search(r"<h1\b.*?</h1>", text, flags=re.DOTALL)
    assert heading and "HTML health report" in heading.group(0), text[-3000:]
    assert "mart_portfolio_health" in text  # what it depends on
