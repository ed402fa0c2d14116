"""`customer-health docs`: the dbt docs site of the project, as files to open or publish.

`dbt docs generate --static` writes the site, manifest and catalog inlined, as one
static_index.html that opens from disk (the plain index.html fetches manifest.json and
catalog.json, which a browser refuses over file://). The site shows every model, source, test,
exposure, semantic model and metric, with the lineage from raw tables to the exposures. The
output folder gets it as index.html, with the manifest, catalog and semantic manifest beside
it for tools that read them.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import click

from customer_health import dbt as dbt_runner
from customer_health.warehouse import ENGINES, Warehouse

# what the output folder gets from dbt's target folder: (file there, name here)
SITE_FILES = [
    ("static_index.html", "index.html"),
    ("manifest.json", "manifest.json"),
    ("catalog.json", "catalog.json"),
    ("semantic_manifest.json", "semantic_manifest.json"),
]


@dataclass
class DocsResult:
    """Where the site was written and what it holds."""

    index: Path
    files: list[Path]
    seconds: float


def default_output() -> Path:
    return dbt_runner.project_dir() / "reports" / "docs"


def generate_docs(wh: Warehouse, output: Path, empty_catalog: bool = False) -> DocsResult:
    """Run `dbt docs generate --static` on ``wh`` and copy the site to ``output``.

    The catalog (column types, row counts) is read from the warehouse, so build it first;
    ``empty_catalog`` skips it and documents the project from its files alone.
    """
    started = time.perf_counter()
    args = ["docs", "generate", "--static"] + (["--empty-catalog"] if empty_catalog else [])
    dbt_runner.run(args, wh, quiet=True)
    target = dbt_runner.target_path(wh)
    output.mkdir(parents=True, exist_ok=True)
    files = []
    for source, name in SITE_FILES:
        path = target / source
        if not path.exists():
            raise FileNotFoundError(f"dbt docs generate wrote no {source} to {target}")
        files.append(Path(shutil.copyfile(path, output / name)))
    return DocsResult(output / "index.html", files, time.perf_counter() - started)


@click.command("docs")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write the site to (default: reports/docs/ in the project).",
)
@click.option(
    "--empty-catalog",
    is_flag=True,
    help="Do not read the warehouse: no column types or row counts (the site still shows "
    "every model, exposure, semantic model and metric).",
)
@click.option(
    "--target",
    type=click.Choice(ENGINES),
    default=None,
    help="Warehouse to use (default: $CUSTOMER_HEALTH_TARGET or duckdb).",
)
def docs_command(output: Path | None, empty_catalog: bool, target: str | None) -> None:
    """Generate the dbt docs site (models, lineage, exposures, semantic models, metrics)."""
    wh = Warehouse.from_env(target)
    output = output or default_output()
    click.echo(f"dbt docs generate on {wh.describe()}")
    try:
        result = generate_docs(wh, output, empty_catalog=empty_catalog)
    except (dbt_runner.DbtError, FileNotFoundError) as exc:
        click.secho(f"error: could not generate the docs: {exc}", fg="red", err=True)
        click.echo(
            "next: run `customer-health build` first, or pass --empty-catalog to document "
            "the project without reading the warehouse",
            err=True,
        )
        raise SystemExit(2) from exc
    click.echo(
        f"Docs written to {result.index.resolve()} ({result.seconds:.0f}s). Open it in a "
        "browser; it needs no server. manifest.json, catalog.json and semantic_manifest.json "
        f"are beside it in {output.resolve()}."
    )
