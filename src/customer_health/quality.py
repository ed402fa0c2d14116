"""Great Expectations suites: the pre-build gate on the raw sources and the post-build mart check.

dbt tests guard structure and rows and fail the build; these suites guard what dbt does not:
the raw sources *before* anything is built (so a bad load never replaces good marts), the
distributions of the published scores, and drift from one run to the next.

Where the data goes through GX depends on the engine:

* **Postgres**: per-table suites run on GX's SQL datasource (table assets), so GX pushes its
  metrics down to the database.
* **DuckDB**: GX 1.x's SQL datasource reads results after closing the connection and gets empty
  results through the DuckDB SQLAlchemy drivers (GX issues #10738 and #11579), so every table is
  read with the warehouse's own connection into a pandas dataframe asset; a table larger than
  ``THRESHOLDS["sample_rows"]`` is validated on a reservoir sample of that many rows.
* **Both**: cross-table checks (orphan shares, freshness, volume, the product.events daily
  rollup, mart coverage, tier shares, tier drift) are computed by one aggregate query each and
  validated as a small dataframe.

Every threshold is in :data:`THRESHOLDS`. ``docs/operations.md`` explains each suite.
"""

from __future__ import annotations

import json
import math
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from customer_health import contract
from customer_health.warehouse import Warehouse

# --------------------------------------------------------------------------- thresholds
#: Every bound the suites use, in one place. Change a value here and the next run uses it.
THRESHOLDS: dict[str, Any] = {
    # ---- source gate (before dbt build) -------------------------------------------------
    # Share of rows that must be filled in a required column that is not a key, a foreign
    # key to crm.accounts or _loaded_at.
    "required_not_null_mostly": 0.99,
    # Rows staging would quarantine (a missing key or account_id, an out-of-range value, a
    # malformed currency, two versions of a key loaded at the same instant) are quarantined
    # when they are a few; above this share of a table, the load itself is broken and the gate
    # fails instead of quarantining half the data.
    "row_problem_share_max": 0.05,
    # Largest share of rows whose foreign key (account_id, invoice_id, ...) is not found in
    # the parent table.
    "orphan_share_max": 0.01,
    # Largest number of days between a table's latest _loaded_at and as_of_date. Tables not
    # listed (features, seats, accounts, ...) change rarely and are not checked.
    "freshness_max_days": {
        "product.events": 3,
        "crm.activities": 7,
        "support.tickets": 7,
        "billing.invoices": 35,
        "billing.payments": 35,
    },
    # The other direction, for the same tables: a load this many days or more after as_of_date
    # (an old export loaded today, or an as_of_date set far in the past) is a WARNING with the
    # gap in days, never a failure.
    "load_after_as_of_max_days": 30,
    # Events per day over the last 7 days divided by events per day over the 28 days before.
    "event_volume_ratio": (0.3, 3.0),
    # On DuckDB, tables with more rows than this are validated on a sample of this many rows
    # (product.events also has an exact daily rollup).
    "sample_rows": 200_000,
    # ---- mart check (after dbt build) ---------------------------------------------------
    # The four bounds below are expectations about a distribution, set to what the demo book
    # produces: another book may rightly fall outside them. They WARN unless the user
    # configures them (DISTRIBUTION_CHECKS, mart_bounds()); a configured bound fails the run.
    # Share of live accounts in each health_tier of marts.mart_account_health: (min, max).
    "tier_share": {
        "healthy": (0.2, 0.98),
        "at_risk": (0.0, 0.7),
        "critical": (0.0, 0.5),
    },
    # Mean health_score, and its smallest standard deviation (scores collapsed to one value
    # mean broken weights or inputs).
    "health_score_mean": (30.0, 90.0),
    "health_score_stdev_min": 2.0,
    # Mean data_completeness: below it, scores rest on too few signals.
    "data_completeness_mean_min": 0.6,
    # Largest share of accounts whose final_tier changed since the previous run before the
    # summary carries a WARNING (never a failure).
    "tier_drift_max_share": 0.2,
}

#: Enumerations, checked on the raw value the way staging normalises it (case, surrounding
#: spaces, and ' ' / '-' / '_' between words do not matter; see macros/staging/normalize_enum).
ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    # segment also accepts the aliases stg_crm__accounts maps (ent, mm, sme, ...)
    ("crm.accounts", "segment"): (
        "enterprise",
        "ent",
        "mid_market",
        "midmarket",
        "mid",
        "mm",
        "smb",
        "small_business",
        "sme",
        "small",
    ),
    ("crm.accounts", "account_status"): (
        "active",
        "customer",
        "churned",
        "former_customer",
        "cancelled",
        "canceled",
    ),
    ("crm.contacts", "role"): ("sponsor", "champion", "admin", "user"),
    ("crm.activities", "activity_type"): ("meeting", "call", "email"),
    ("crm.activities", "outcome"): ("held", "cancelled", "no_show", "completed"),
    ("crm.sentiment", "rag"): ("red", "amber", "yellow", "green"),  # staging maps yellow
    ("crm.sentiment", "override_tier"): ("healthy", "at_risk", "critical"),
    ("crm.contracts", "status"): ("active", "renewed", "churned", "expired"),
    ("crm.opportunities", "opportunity_type"): ("renewal", "expansion"),
    ("crm.opportunities", "stage"): ("open", "closed_won", "closed_lost"),
    ("support.tickets", "priority"): ("urgent", "high", "normal", "low"),
    ("support.tickets", "status"): ("new", "open", "pending", "solved", "closed"),
    ("billing.subscriptions", "status"): ("active", "cancelled", "canceled"),
    ("billing.plan_changes", "change_type"): ("upgrade", "downgrade", "seat_change"),
    ("billing.invoices", "status"): ("open", "paid", "void", "uncollectible"),
    ("billing.payments", "status"): ("succeeded", "failed"),
    ("billing.disputes", "dispute_type"): ("dispute", "chargeback"),
    ("billing.disputes", "status"): ("open", "won", "lost"),
}

#: Value ranges (min, max; None = open).
RANGES: dict[tuple[str, str], tuple[float | None, float | None]] = {
    ("crm.sentiment", "sentiment_score"): (1, 5),
    ("crm.contracts", "arr_amount"): (0, None),
    ("crm.opportunities", "amount"): (0, None),
    ("crm.opportunities", "previous_amount"): (0, None),
    ("product.seats", "licensed_seats"): (0, None),
    ("support.tickets", "reopened_count"): (0, None),
    ("support.tickets", "csat_score"): (1, 5),
    ("billing.subscriptions", "seats"): (0, None),
    ("billing.subscriptions", "mrr_amount"): (0, None),
    ("billing.plan_changes", "seats_before"): (0, None),
    ("billing.plan_changes", "seats_after"): (0, None),
    ("billing.plan_changes", "mrr_before"): (0, None),
    ("billing.plan_changes", "mrr_after"): (0, None),
    ("billing.invoices", "amount"): (0, None),
    ("billing.payments", "amount"): (0, None),
    ("billing.disputes", "amount"): (0, None),
}

#: Foreign keys checked as orphan shares: (child table, column, parent table, parent column).
#: Every table with an account_id points at crm.accounts; a few more links are listed.
REFERENCES: tuple[tuple[str, str, str, str], ...] = tuple(
    (f"{t.source}.{t.name}", "account_id", "crm.accounts", "account_id")
    for t in contract.TABLES
    if "account_id" in t.column_names and (t.source, t.name) != ("crm", "accounts")
) + (
    ("product.events", "feature_key", "product.features", "feature_key"),
    ("billing.plan_changes", "subscription_id", "billing.subscriptions", "subscription_id"),
    ("billing.payments", "invoice_id", "billing.invoices", "invoice_id"),
    ("billing.disputes", "invoice_id", "billing.invoices", "invoice_id"),
)

#: Tables whose key rules (key not null, one row per key and _loaded_at) are checked exactly by
#: an aggregate rollup instead of row by row: they can hold millions of rows.
ROLLED_UP = {"product.events"}

#: Tables that must hold at least one row: without accounts there is no book to score. The
#: others may be empty (no disputes, no CSM sentiment, an export without billing): the gate
#: notes it, and the factors of the family that reads the table are missing (their weight is
#: redistributed), never scored as zero.
REQUIRED_TABLES = {"crm.accounts"}

#: The mart checks that encode expectations about a distribution (THRESHOLDS keys). Unless the
#: user configures them (mart_bounds()), they warn instead of failing the run.
DISTRIBUTION_CHECKS = (
    "tier_share",
    "health_score_mean",
    "health_score_stdev_min",
    "data_completeness_mean_min",
)

#: A YAML (or JSON) file of configured mart bounds: see mart_bounds() and docs/operations.md.
MART_BOUNDS_ENV = "CUSTOMER_HEALTH_MART_BOUNDS"

SITE_NAME = "customer_health"
PG_URL_ENV = "CUSTOMER_HEALTH_GX_PG_URL"
SAMPLE_SIZE = 10  # unexpected values and keys kept per failed expectation

SOURCE = "source"
MART = "mart"


# --------------------------------------------------------------------------- results
@dataclass
class SuiteResult:
    """One suite's outcome, in the shape the run summary uses."""

    suite: str
    phase: str  # source | mart
    relation: str  # the table validated, or what the aggregate frame was computed from
    batch: str  # how the data reached GX
    success: bool
    evaluated: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    observed: dict[str, Any] = field(default_factory=dict)
    #: information, never a failure: an absent optional column, an empty optional table
    notes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "suite": self.suite,
                "phase": self.phase,
                "relation": self.relation,
                "batch": self.batch,
                "success": self.success,
                "evaluated_expectations": self.evaluated,
                "failed_expectations": len(self.failures),
                "failures": self.failures,
                "warnings": self.warnings,
                **({"notes": self.notes} if self.notes else {}),
                **({"observed": self.observed} if self.observed else {}),
            }
        )


@dataclass
class PhaseResult:
    phase: str
    suites: list[SuiteResult]
    as_of_date: date | None = None

    @property
    def success(self) -> bool:
        return all(s.success for s in self.suites)

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [f for s in self.suites for f in s.failures]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [w for s in self.suites for w in s.warnings]

    @property
    def notes(self) -> list[dict[str, Any]]:
        return [n for s in self.suites for n in s.notes]

    def suite(self, name: str) -> SuiteResult:
        for s in self.suites:
            if s.suite == name:
                return s
        raise KeyError(name)


# --------------------------------------------------------------------------- GX project
class GxProject:
    """A file-backed GX context whose Data Docs site is ``docs_dir``.

    Suites, validation definitions and checkpoints are (re)written from this module on every
    run: the code is their single source of truth. Validation results accumulate under
    ``root/gx/uncommitted/validations`` and are listed in the Data Docs index.
    """

    def __init__(self, wh: Warehouse, root: Path, docs_dir: Path) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.wh = wh
        self.root = Path(root).resolve()
        self.docs_dir = Path(docs_dir).resolve()
        self._rendered: list[Any] = []
        self.root.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="file", project_root_dir=str(self.root))
        ctx = self.context
        ctx.config.analytics_enabled = False
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        site = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(self.docs_dir),
            },
            "site_index_builder": {
                "class_name": "DefaultSiteIndexBuilder",
                "validation_results_limit": 500,
            },
        }
        sites = ctx.list_data_docs_sites()
        for name in list(sites):
            if name != SITE_NAME:
                ctx.delete_data_docs_site(name)
        if SITE_NAME in ctx.list_data_docs_sites():
            ctx.update_data_docs_site(SITE_NAME, site)
        else:
            ctx.add_data_docs_site(SITE_NAME, site)
        ctx.variables.save()
        self.frames = _datasource(ctx, "frames", lambda: ctx.data_sources.add_pandas("frames"))
        self.sql = None
        if wh.engine == "postgres":
            # the connection string stays a ${placeholder} in great_expectations.yml: no secret
            # is written to a file; open_project() puts the real one in the environment.
            self.sql = _datasource(
                ctx,
                "warehouse",
                lambda: ctx.data_sources.add_postgres(
                    "warehouse", connection_string="${" + PG_URL_ENV + "}"
                ),
            )

    @property
    def docs_index(self) -> Path:
        return self.docs_dir / "index.html"

    def build_docs(self) -> Path:
        """Render the pages of the validations run since the last call, and the index."""
        if self._rendered or not self.docs_index.exists():
            # an empty list would make GX re-render every result ever stored
            self.context.build_data_docs(
                site_names=[SITE_NAME], resource_identifiers=self._rendered or None
            )
        self._rendered = []
        return self.docs_index

    def validate(
        self,
        suite_name: str,
        phase: str,
        expectations: list[Any],
        *,
        relation: str,
        frame: pd.DataFrame | None = None,
        table: tuple[str, str] | None = None,
        batch: str = "",
        index_columns: list[str] | None = None,
    ) -> SuiteResult:
        """Run one suite through its checkpoint, on a dataframe or (Postgres) a table.

        The result is stored in the context; :meth:`build_docs` renders it."""
        gx = self.gx
        ctx = self.context
        suite = ctx.suites.add_or_update(
            gx.ExpectationSuite(name=suite_name, expectations=expectations)
        )
        if frame is not None:
            asset = _asset(
                self.frames, suite_name, lambda: self.frames.add_dataframe_asset(suite_name)
            )
            batch_definition = _get_batch_definition(
                asset, lambda: asset.add_batch_definition_whole_dataframe("whole")
            )
            batch_parameters: dict[str, Any] | None = {"dataframe": frame}
        else:
            assert table is not None and self.sql is not None
            schema, name = table
            sql = self.sql
            asset = _asset(
                sql,
                suite_name,
                lambda: sql.add_table_asset(suite_name, table_name=name, schema_name=schema),
            )
            batch_definition = _get_batch_definition(
                asset, lambda: asset.add_batch_definition_whole_table("whole")
            )
            batch_parameters = None
        validation = ctx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
        )
        result_format: dict[str, Any] = {
            "result_format": "SUMMARY",
            "partial_unexpected_count": SAMPLE_SIZE,
        }
        if index_columns:
            result_format["unexpected_index_column_names"] = index_columns
        # Data Docs are rendered once per phase (build_docs), not by an UpdateDataDocsAction
        # per checkpoint: rendering is GX's slowest step and the index would be rebuilt each time.
        checkpoint = ctx.checkpoints.add_or_update(
            gx.Checkpoint(
                name=suite_name, validation_definitions=[validation], result_format=result_format
            )
        )
        outcome = checkpoint.run(batch_parameters=batch_parameters)
        ((result_id, validation_result),) = outcome.run_results.items()
        self._rendered.extend([result_id, result_id.expectation_suite_identifier])
        return _suite_result(suite_name, phase, relation, batch, validation_result)

    def missing(self, suite_name: str, phase: str, relation: str, message: str) -> SuiteResult:
        """A suite that could not run at all (its table is missing): one failure, no GX run."""
        return SuiteResult(
            suite=suite_name,
            phase=phase,
            relation=relation,
            batch="none",
            success=False,
            failures=[
                {
                    "suite": suite_name,
                    "table": relation,
                    "column": None,
                    "expectation": "table_exists",
                    "severity": "critical",
                    "error": message,
                    "next": HINTS["table_exists"],
                }
            ],
        )


@contextmanager
def open_project(wh: Warehouse, root: Path, docs_dir: Path) -> Iterator[GxProject]:
    """A :class:`GxProject` with the Postgres connection string in the environment."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    saved = os.environ.get(PG_URL_ENV)
    if wh.engine == "postgres":
        os.environ[PG_URL_ENV] = _pg_url(wh)
    try:
        with warnings.catch_warnings():
            # GX deprecates table assets' schema_name in favour of one schema per datasource;
            # the raw tables and the marts live in five schemas of one database.
            warnings.filterwarnings(
                "ignore", message="`schema_name` is deprecated", category=DeprecationWarning
            )
            yield GxProject(wh, root, docs_dir)
    finally:
        if saved is None:
            os.environ.pop(PG_URL_ENV, None)
        else:
            os.environ[PG_URL_ENV] = saved


def _pg_url(wh: Warehouse) -> str:
    from sqlalchemy.engine import URL

    url = URL.create(
        "postgresql+psycopg2",
        username=wh.pg_user,
        password=wh.pg_password or None,
        host=wh.pg_host,
        port=wh.pg_port,
        database=wh.pg_dbname,
    )
    return url.render_as_string(hide_password=False)


def _datasource(context: Any, name: str, add: Any) -> Any:
    if name in context.data_sources.all():
        return context.data_sources.get(name)
    return add()


def _asset(datasource: Any, name: str, add: Any) -> Any:
    if name in [a.name for a in datasource.assets]:
        return datasource.get_asset(name)
    return add()


def _get_batch_definition(asset: Any, add: Any) -> Any:
    for definition in asset.batch_definitions:
        if definition.name == "whole":
            return definition
    return add()


# --------------------------------------------------------------------------- result parsing
#: What to do about each kind of failed expectation, carried in the summary and printed.
HINTS: dict[str, str] = {
    "table_exists": "create the table (contract.ddl() gives the statement) or point the "
    "source's `<source>_schema` var at the schema that holds it",
    "expect_table_columns_to_match_set": "add the missing required column to the raw table or "
    "to the view that maps your connector onto the contract (docs/source_contract.md gives its "
    "type); optional columns may be left out or all null",
    "expect_table_row_count_to_be_between": "the table is empty: check that the connector "
    "ran and that the `<source>_schema` var points at the right schema",
    "expect_column_values_to_not_be_null": "fill in the column for these keys; a few such "
    "rows are quarantined, this many mean the load is broken (check the connector)",
    "expect_compound_columns_to_be_unique": "several versions of these keys share one "
    "_loaded_at: make the connector stamp each version with its own load time",
    "expect_column_values_to_match_regex": "map these values onto the accepted ones (a view "
    "over the raw table), or add them to ENUMS in quality.py and to staging",
    "expect_column_values_to_be_between": "correct these values at the source; a few are "
    "quarantined, this many mean the load is broken",
}


def _suite_result(
    suite_name: str, phase: str, relation: str, batch: str, validation_result: Any
) -> SuiteResult:
    failures: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    for item in validation_result.results:
        if item.success:
            continue
        config = item.expectation_config
        severity = str(getattr(config, "severity", "critical")).split(".")[-1].lower()
        entry = _failure(suite_name, relation, config, item.result or {}, item.exception_info)
        entry["severity"] = severity
        if phase == SOURCE and config.type in HINTS:
            entry["next"] = HINTS[config.type]
        (warnings if severity in ("warning", "info") else failures).append(entry)
    return SuiteResult(
        suite=suite_name,
        phase=phase,
        relation=relation,
        batch=batch,
        success=not failures,
        evaluated=len(validation_result.results),
        failures=failures,
        warnings=warnings,
    )


def _failure(
    suite_name: str, relation: str, config: Any, result: dict[str, Any], exception_info: Any
) -> dict[str, Any]:
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "result_format")}
    column = kwargs.get("column")
    if "column_A" in kwargs:
        column = f"{kwargs['column_A']}, {kwargs['column_B']}"
    if column is None and "column_list" in kwargs:
        column = ", ".join(kwargs["column_list"])
    entry: dict[str, Any] = {
        "suite": suite_name,
        "table": relation,
        "column": column,
        "expectation": config.type,
        "kwargs": {k: v for k, v in kwargs.items() if k not in ("column", "column_set")},
    }
    if "observed_value" in result:
        entry["observed_value"] = result["observed_value"]
    for key in ("element_count", "unexpected_count", "unexpected_percent"):
        if key in result:
            entry[key] = result[key]
    if result.get("partial_unexpected_list"):
        entry["unexpected_sample"] = result["partial_unexpected_list"][:SAMPLE_SIZE]
    if result.get("partial_unexpected_index_list"):
        entry["unexpected_keys"] = result["partial_unexpected_index_list"][:SAMPLE_SIZE]
    mismatched = (result.get("details") or {}).get("mismatched")
    if isinstance(mismatched, dict) and mismatched.get("missing"):
        entry["missing_columns"] = sorted(mismatched["missing"])
        entry["column"] = ", ".join(entry["missing_columns"])
    errors = _exception_messages(exception_info)
    if errors:
        entry["error"] = "; ".join(errors)
    return entry


def _exception_messages(exception_info: Any) -> list[str]:
    if not exception_info:
        return []
    if "exception_message" in exception_info:
        infos = [exception_info]
    else:
        infos = [v for v in exception_info.values() if isinstance(v, dict)]
    messages = [str(i.get("exception_message")) for i in infos if i.get("raised_exception")]
    return sorted(set(messages))


def _number(value: Any) -> str:
    value = jsonable(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return json.dumps(value)


def rule_text(failure: dict[str, Any]) -> str:
    """The rule an expectation checks, with its bounds: "expected between 0.0 and 0.7"."""
    kwargs = failure.get("kwargs") or {}
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if "column_A" in kwargs:
        text = f"expected {kwargs['column_A']} >= {kwargs['column_B']}"
    elif low is not None and high is not None:
        text = f"expected between {_number(low)} and {_number(high)}"
    elif low is not None:
        text = f"expected at least {_number(low)}"
    elif high is not None:
        text = f"expected at most {_number(high)}"
    elif "value_set" in kwargs:
        text = f"expected one of {json.dumps(jsonable(kwargs['value_set']))}"
    elif "regex" in kwargs:
        text = "expected an accepted value (see ENUMS in quality.py)"
    elif failure.get("expectation") == "expect_column_values_to_not_be_null":
        text = "expected filled in"
    elif "column_list" in kwargs:
        text = "expected unique"
    else:
        text = "expected " + failure.get("expectation", "").removeprefix("expect_")
    if kwargs.get("mostly") is not None and kwargs["mostly"] < 1:
        text += f" for at least {kwargs['mostly']:.0%} of rows"
    return text


def describe_failure(failure: dict[str, Any]) -> str:
    """One line for a failed (or warned) expectation: what was observed, next to the rule."""
    if failure.get("message"):
        return str(failure["message"])
    if failure.get("missing_columns"):
        return f"missing columns: {', '.join(failure['missing_columns'])}"
    if failure.get("error"):
        return str(failure["error"])
    sample = failure.get("unexpected_sample") or []
    if "unexpected_count" in failure and failure.get("element_count") != 1:
        observed = (
            f"{failure['unexpected_count']} unexpected of {failure.get('element_count', '?')} "
            f"rows ({failure.get('unexpected_percent') or 0:.2f}%)"
        )
        keys = failure.get("unexpected_keys") or sample
        if keys:
            observed += f", e.g. {json.dumps(jsonable(keys[:3]))}"
    elif "observed_value" in failure:
        observed = f"observed {_number(failure['observed_value'])}"
    elif sample:  # an aggregate frame of one row: the value itself
        observed = f"observed {_number(sample[0])}"
    else:
        observed = "observed nothing (no rows)"
    return f"{observed}; {rule_text(failure)}"


def jsonable(value: Any) -> Any:
    """Plain JSON types: NaN becomes null, timestamps and other objects become strings."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if hasattr(value, "item"):  # numpy scalars
        try:
            return jsonable(value.item())
        except (ValueError, TypeError):
            pass
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- helpers
def table_id(t: contract.Table) -> str:
    return f"{t.source}.{t.name}"


def raw_schemas(project: Path | None = None) -> dict[str, str]:
    """Schema of each source: the `<source>_schema` vars of dbt_project.yml, else raw_<source>."""
    import yaml

    from customer_health import dbt as dbt_runner

    out = {s: f"raw_{s}" for s in contract.SOURCES}
    path = (project or dbt_runner.project_dir()) / "dbt_project.yml"
    try:
        variables = (yaml.safe_load(path.read_text()) or {}).get("vars") or {}
    except OSError:
        return out
    for s in contract.SOURCES:
        value = variables.get(f"{s}_schema")
        if isinstance(value, str) and value and "{" not in value:
            out[s] = value
    return out


def _relation(t: contract.Table, schemas: dict[str, str]) -> str:
    return f"{schemas[t.source]}.{t.name}"


def _existing_columns(
    wh: Warehouse, schemas: dict[str, str], text_only: bool = False
) -> dict[str, set[str]]:
    """Columns of every table in the raw schemas: {"schema.table": {column, ...}}; with
    ``text_only``, only the columns the warehouse holds as text."""
    names = ", ".join(f"'{s}'" for s in sorted(set(schemas.values())))
    text = (
        " and lower(data_type) in ('text', 'varchar', 'character varying', 'string')"
        if text_only
        else ""
    )
    frame = wh.query_df(
        "select table_schema, table_name, column_name from information_schema.columns "
        f"where table_schema in ({names}){text}"
    )
    out: dict[str, set[str]] = {}
    for row in frame.itertuples(index=False):
        out.setdefault(f"{row.table_schema}.{row.table_name}", set()).add(str(row.column_name))
    return out


def _enum_regex(values: tuple[str, ...]) -> str:
    """A case-insensitive regex accepting each value as normalize_enum would map it."""
    words = [r"[ _-]".join(re.escape(part) for part in v.split("_")) for v in values]
    return r"(?i)^\s*(?:" + "|".join(words) + r")\s*$"


def _utc_date(column: str) -> str:
    return f"cast({column} at time zone 'UTC' as date)"


ACTIVITY_DATES = (
    ("product.events", "occurred_at"),
    ("support.tickets", "created_at"),
    ("crm.activities", "occurred_at"),
)


def default_as_of_date(wh: Warehouse, schemas: dict[str, str] | None = None) -> date | None:
    """The latest UTC date with activity (events, tickets, CRM activities), as dbt's default."""
    schemas = schemas or raw_schemas()
    columns = _existing_columns(wh, schemas)
    text_columns = _existing_columns(wh, schemas, text_only=True)
    parts = []
    for tid, column in ACTIVITY_DATES:
        t = contract.table(*tid.split("."))
        rel = _relation(t, schemas)
        if column in text_columns.get(rel, set()):
            continue  # landed as text: staging parses it (and quarantines what does not parse)
        if column in columns.get(rel, set()) and "_is_deleted" in columns.get(rel, set()):
            parts.append(
                f"select max({_utc_date(column)}) as d from {rel} "
                "where not coalesce(_is_deleted, false) "
                # as staging: a row dated after it was loaded is quarantined, not activity
                f"and {column} <= _loaded_at + interval '1 day'"
            )
    if not parts:
        return None
    value = wh.query_df(
        "select max(d) as as_of_date from (" + " union all ".join(parts) + ") as dates"
    ).iloc[0, 0]
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


# --------------------------------------------------------------------------- source gate
def source_expectations(
    t: contract.Table,
    text_columns: frozenset[str] = frozenset(),
    present: frozenset[str] | None = None,
) -> list[Any]:
    """The per-table source suite, generated from the contract.

    Row-level problems that staging quarantines (see docs/bad_input.md) are allowed up to
    ``THRESHOLDS["row_problem_share_max"]`` of the rows; unknown enumeration values, missing
    required columns and an empty required table fail at once. ``text_columns`` are the
    contract's number and date columns the warehouse holds as text: their ranges are left to
    staging, which quarantines what does not parse. ``present`` are the table's columns: an
    optional column it lacks is not checked (staging reads it as null; the gate notes it)."""
    import great_expectations as gx

    E = gx.expectations
    tid = table_id(t)
    rolled = tid in ROLLED_UP
    optional_absent = {
        c.name
        for c in t.all_columns
        if not c.required and present is not None and c.name not in present
    }
    required = [c.name for c in t.all_columns if c.required]
    exps: list[Any] = [E.ExpectTableColumnsToMatchSet(column_set=required, exact_match=False)]
    row_problems = 1 - THRESHOLDS["row_problem_share_max"]
    strict = {*t.key, "_loaded_at"} | ({"account_id"} if "account_id" in t.column_names else set())
    if tid in REQUIRED_TABLES:
        exps.append(E.ExpectTableRowCountToBeBetween(min_value=1))
    rolled_cols = {*t.key, "account_id"} if rolled else set()
    for c in t.all_columns:
        if not c.required or c.name in rolled_cols:
            continue
        if c.name in strict:
            exps.append(E.ExpectColumnValuesToNotBeNull(column=c.name, mostly=row_problems))
        else:
            exps.append(
                E.ExpectColumnValuesToNotBeNull(
                    column=c.name, mostly=THRESHOLDS["required_not_null_mostly"]
                )
            )
    if not rolled:
        exps.append(
            E.ExpectCompoundColumnsToBeUnique(
                column_list=[*t.key, "_loaded_at"], mostly=row_problems
            )
        )
    for (enum_table, column), values in ENUMS.items():
        if enum_table == tid and column not in optional_absent:
            exps.append(E.ExpectColumnValuesToMatchRegex(column=column, regex=_enum_regex(values)))
    for c in t.columns:
        if c.name == "currency":
            exps.append(
                E.ExpectColumnValuesToMatchRegex(
                    column=c.name, regex=r"^\s*[A-Za-z]{3}\s*$", mostly=row_problems
                )
            )
    for (range_table, column), (low, high) in RANGES.items():
        if range_table == tid and column not in text_columns and column not in optional_absent:
            exps.append(
                E.ExpectColumnValuesToBeBetween(
                    column=column, min_value=low, max_value=high, mostly=row_problems
                )
            )
    return exps


def validate_sources(
    wh: Warehouse,
    project: GxProject,
    as_of_date: date | None = None,
    shapes: Any = None,
) -> PhaseResult:
    """The pre-build gate: one suite per raw table, plus the cross-table suites. A family
    landed in a connector shape (``shapes``, see :mod:`customer_health.shapes`) is checked
    by :func:`_connector_suite` instead: its rows are checked by the same base models in dbt,
    after its mapping views have put them in the contract's columns."""
    import great_expectations as gx

    from customer_health import shapes as shapes_mod

    E = gx.expectations
    shapes = shapes or shapes_mod.current()
    schemas = raw_schemas()
    contract_sources = {
        s for s in contract.SOURCES if getattr(shapes, shapes_mod.family_of(s)) == "contract"
    }
    columns = {
        rel: cols
        for rel, cols in _existing_columns(wh, schemas).items()
        if any(
            rel == f"{schemas[s]}.{t.name}"
            for s in contract_sources
            for t in contract.TABLES
            if t.source == s
        )
    }
    text_columns = _existing_columns(wh, schemas, text_only=True)
    as_of = as_of_date or default_as_of_date(wh, schemas)
    suites: list[SuiteResult] = []

    # 1. one suite per raw table
    row_counts: dict[str, int] = {}
    for _family, connector in shapes.connectors():
        if not any(f"connector.{connector}" == s.suite for s in suites):
            suites.append(_connector_suite(wh, project, connector))
    for t in contract.TABLES:
        if t.source not in contract_sources:
            continue
        rel = _relation(t, schemas)
        name = f"source.{table_id(t)}"
        if rel not in columns:
            suites.append(
                project.missing(name, SOURCE, rel, f"table {rel} does not exist in the warehouse")
            )
            continue
        index = [c for c in (*t.key, "_loaded_at") if c in columns[rel]]
        typed_as_text = frozenset(
            c.name
            for c in t.all_columns
            if c.type != "text" and c.name in text_columns.get(rel, set())
        )
        exps = source_expectations(t, typed_as_text, frozenset(columns[rel]))
        rows = int(wh.query_df(f"select count(*) as n from {rel}").iloc[0, 0])
        row_counts[table_id(t)] = rows
        notes = _table_notes(t, rel, rows, columns[rel])
        if wh.engine == "postgres":
            suites.append(
                project.validate(
                    name,
                    SOURCE,
                    exps,
                    relation=rel,
                    table=(schemas[t.source], t.name),
                    batch="table (GX SQL datasource)",
                    index_columns=index,
                )
            )
            suites[-1].notes = notes
            continue
        limit = int(THRESHOLDS["sample_rows"])
        if rows > limit:
            frame = wh.query_df(
                f"select * from {rel} using sample reservoir({limit} rows) repeatable (42)"
            )
            batch = f"dataframe: reservoir sample of {limit:,} of {rows:,} rows"
        else:
            frame = wh.query_df(f"select * from {rel}")
            batch = f"dataframe: all {rows:,} rows"
        suites.append(
            project.validate(
                name, SOURCE, exps, relation=rel, frame=frame, batch=batch, index_columns=index
            )
        )
        suites[-1].notes = notes

    # 2. product.events, exactly, rolled up per day: key rules and volume (an empty events
    # table has none: its per-table suite carries the note)
    events = contract.table("product", "events")
    events_rel = _relation(events, schemas)
    needed = {"event_id", "account_id", "occurred_at", "_loaded_at"}
    if needed <= columns.get(events_rel, set()) and row_counts.get("product.events", 0) > 0:
        daily = wh.query_df(
            f"""
            select
                {_utc_date("occurred_at")} as event_date,
                count(*) as events,
                count(*) - count(event_id) as null_event_ids,
                count(*) - count(account_id) as null_account_ids,
                count(event_id) - count(distinct event_id || '|'
                    || coalesce(cast(_loaded_at as varchar), '')) as duplicate_versions
            from {events_rel}
            group by 1
            order by 1
            """
        )
        daily["event_date"] = daily["event_date"].astype(str)
        for col in ("events", "null_event_ids", "null_account_ids", "duplicate_versions"):
            daily[col] = daily[col].astype("int64")
        suites.append(
            project.validate(
                "source.product.events_daily",
                SOURCE,
                [E.ExpectTableRowCountToBeBetween(min_value=1)],
                relation=events_rel,
                frame=daily,
                batch="dataframe: aggregate query, one row per event date (all rows)",
                index_columns=["event_date"],
            )
        )
        # the key rules over the whole table: a few bad rows are quarantined, a flood fails
        total = max(int(daily["events"].sum()), 1)
        shares = pd.DataFrame(
            {
                "table_name": ["product.events"],
                **{
                    f"{col}_share": [float(daily[col].sum()) / total]
                    for col in ("null_event_ids", "null_account_ids", "duplicate_versions")
                },
            }
        )
        share_max = THRESHOLDS["row_problem_share_max"]
        suites.append(
            project.validate(
                "source.product.events_keys",
                SOURCE,
                [
                    E.ExpectColumnValuesToBeBetween(column=column, max_value=share_max)
                    for column in shares.columns
                    if column.endswith("_share")
                ],
                relation=events_rel,
                frame=shares,
                batch="dataframe: aggregate query over all rows",
            )
        )
        if as_of is not None:
            suites.append(_volume_suite(project, daily, as_of, events_rel))

    # 3. orphan shares
    suites.append(_referential_suite(wh, project, schemas, columns))
    # 4. freshness
    suites.append(_freshness_suite(wh, project, schemas, columns, as_of))
    return PhaseResult(SOURCE, suites, as_of)


def _connector_suite(wh: Warehouse, project: GxProject, connector: str) -> SuiteResult:
    """A connector's tables (those its adapter's sources yml declares): the suite fails when
    none of them exists in its schema (the `<connector>_schema` var is wrong, or nothing was
    synced yet); a missing table is a note, since connectors sync only the objects enabled.
    Their rows are checked by dbt: the base models' checks and the two reconciliations."""
    import great_expectations as gx

    from customer_health import shapes as shapes_mod

    schema = shapes_mod.connector_schema(connector)
    declared = shapes_mod.connector_tables(connector)
    names = ", ".join(f"'{t}'" for t in declared) or "''"
    present = set(
        wh.query_df(
            "select table_name from information_schema.tables "
            f"where table_schema = '{schema}' and table_name in ({names})"
        )["table_name"].astype(str)
    )
    name = f"connector.{connector}"
    if not present:
        return project.missing(
            name,
            SOURCE,
            f"{schema}.*",
            f"none of the {connector} tables ({', '.join(declared)}) is in schema {schema}: set "
            f"the {connector}_schema var to where your connector lands them (docs/connectors.md)",
        )
    counts = pd.DataFrame(
        {
            "table_name": sorted(present),
            "rows": [
                int(wh.query_df(f'select count(*) as n from {schema}."{t}"').iloc[0, 0])
                for t in sorted(present)
            ],
        }
    )
    result = project.validate(
        name,
        SOURCE,
        [gx.expectations.ExpectTableRowCountToBeBetween(min_value=1)],
        relation=f"{schema}.*",
        frame=counts,
        batch=f"dataframe: row counts of the {len(present)} {connector} tables present",
    )
    missing = [t for t in declared if t not in present]
    if missing:
        result.notes = [
            {
                "table": f"{schema}.*",
                "column": None,
                "severity": "info",
                "message": f"{connector}: table(s) {', '.join(missing)} not in schema {schema}: "
                "the signals they carry are missing (docs/connectors.md)",
            }
        ]
    return result


def factors_reading(tid: str) -> dict[str, list[str]]:
    """The factors (by family) whose source or evidence is the raw table ``tid``, from
    seeds/factor_catalogue.csv: what goes missing when the table is empty."""
    import csv

    from customer_health import dbt as dbt_runner

    path = dbt_runner.project_dir() / "seeds" / "factor_catalogue.csv"
    out: dict[str, list[str]] = {}
    try:
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                if tid in (row.get("source_table"), row.get("evidence_table")):
                    out.setdefault(row["family"], []).append(row["factor_name"])
    except OSError:
        pass
    return out


def _table_notes(t: contract.Table, rel: str, rows: int, present: set[str]) -> list[dict[str, Any]]:
    """Information about a table, never a failure: optional contract columns it lacks, and
    that it is empty (when it may be)."""
    tid = table_id(t)
    notes: list[dict[str, Any]] = []
    absent = [c.name for c in t.all_columns if not c.required and c.name not in present]
    if absent:
        notes.append(
            {
                "table": rel,
                "column": ", ".join(absent),
                "severity": "info",
                "message": f"{rel} has no optional column(s) {', '.join(absent)}: staging reads "
                "them as null, and the factors that need them are missing",
            }
        )
    if rows == 0 and tid not in REQUIRED_TABLES:
        families = factors_reading(tid)
        if families:
            what = "; ".join(f"{family}: {', '.join(names)}" for family, names in families.items())
            effect = (
                f"the {' and '.join(families)} factors that read it will be missing for every "
                f"account ({what}); their weight goes to the other factors"
            )
        else:
            effect = "no factor reads it directly, so the scores do not change"
        notes.append(
            {
                "table": rel,
                "column": None,
                "severity": "info",
                "message": f"{rel} is empty: {effect}",
            }
        )
    return notes


def _volume_suite(
    project: GxProject, daily: pd.DataFrame, as_of: date, relation: str
) -> SuiteResult:
    import great_expectations as gx

    dates = pd.to_datetime(daily["event_date"], errors="coerce").dt.date
    recent = daily.loc[(dates > as_of - timedelta(days=7)) & (dates <= as_of), "events"].sum()
    prior = daily.loc[
        (dates > as_of - timedelta(days=35)) & (dates <= as_of - timedelta(days=7)), "events"
    ].sum()
    recent_per_day, prior_per_day = recent / 7, prior / 28
    ratio = recent_per_day / prior_per_day if prior_per_day else float("nan")
    frame = pd.DataFrame(
        {
            "table_name": ["product.events"],
            "recent_events_per_day": [recent_per_day],
            "prior_events_per_day": [prior_per_day],
            "volume_ratio": [ratio],
        }
    )
    low, high = THRESHOLDS["event_volume_ratio"]
    result = project.validate(
        "source.product.events_volume",
        SOURCE,
        [
            gx.expectations.ExpectColumnValuesToNotBeNull(column="volume_ratio"),
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="volume_ratio", min_value=low, max_value=high
            ),
        ],
        relation=relation,
        frame=frame,
        batch=f"dataframe: events per day, 7 days to {as_of} vs the 28 days before",
    )
    result.observed = frame.iloc[0].to_dict()
    return result


def _referential_suite(
    wh: Warehouse,
    project: GxProject,
    schemas: dict[str, str],
    columns: dict[str, set[str]],
) -> SuiteResult:
    import great_expectations as gx

    parts = []
    for child, column, parent, parent_column in REFERENCES:
        child_rel = _relation(contract.table(*child.split(".")), schemas)
        parent_rel = _relation(contract.table(*parent.split(".")), schemas)
        if column not in columns.get(child_rel, set()) or parent_column not in columns.get(
            parent_rel, set()
        ):
            continue  # the table suites report the missing table or column
        parts.append(
            f"""
            select
                '{child}.{column}' as foreign_key,
                '{parent}.{parent_column}' as refers_to,
                count(*) as checked_rows,
                sum(case when parent.k is null then 1 else 0 end) as orphan_rows
            from {child_rel} as child
            left join (select distinct {parent_column} as k from {parent_rel}) as parent
                on child.{column} = parent.k
            where child.{column} is not null
            """
        )
    if parts:
        frame = wh.query_df(" union all ".join(parts))
    else:
        frame = pd.DataFrame(columns=["foreign_key", "refers_to", "checked_rows", "orphan_rows"])
    frame = frame.sort_values("foreign_key", ignore_index=True)
    frame["checked_rows"] = frame["checked_rows"].astype("int64")
    frame["orphan_rows"] = frame["orphan_rows"].fillna(0).astype("int64")
    frame["orphan_share"] = (
        frame["orphan_rows"] / frame["checked_rows"].where(frame["checked_rows"] > 0)
    ).fillna(0.0)
    result = project.validate(
        "source.referential",
        SOURCE,
        [
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="orphan_share", min_value=0, max_value=THRESHOLDS["orphan_share_max"]
            )
        ],
        relation="raw foreign keys",
        frame=frame,
        batch="dataframe: aggregate query, one row per foreign key",
        index_columns=["foreign_key"],
    )
    result.observed = {
        r.foreign_key: round(float(r.orphan_share), 6) for r in frame.itertuples(index=False)
    }
    result.failures = _split_by_key(result.failures, "foreign_key", "orphan_share")
    return result


def _split_by_key(
    failures: list[dict[str, Any]], key: str, value: str, column: str | None = None
) -> list[dict[str, Any]]:
    """One failure per offending row of an aggregate frame, naming its table and column.

    ``key`` holds "source.table.column" (or "source.table" with ``column`` given)."""
    split: list[dict[str, Any]] = []
    for failure in failures:
        for row in failure.get("unexpected_keys") or [{}]:
            name = str(row.get(key, ""))
            if column or "." not in name:
                table, col = name, column
            else:
                table, col = name.rsplit(".", 1)
            # the counts of the aggregate frame (offending rows of N) would only mislead here
            kept = {
                k: v
                for k, v in failure.items()
                if k not in ("element_count", "unexpected_count", "unexpected_percent")
                and k != "unexpected_sample"
            }
            split.append(
                {
                    **kept,
                    "table": table or failure["table"],
                    "column": col or failure["column"],
                    "observed_value": row.get(value),
                    "unexpected_keys": [row] if row else [],
                }
            )
    return split


def _freshness_suite(
    wh: Warehouse,
    project: GxProject,
    schemas: dict[str, str],
    columns: dict[str, set[str]],
    as_of: date | None,
) -> SuiteResult:
    import great_expectations as gx

    rows = []
    empty = []
    after_max = float(THRESHOLDS["load_after_as_of_max_days"])
    for tid, max_days in THRESHOLDS["freshness_max_days"].items():
        rel = _relation(contract.table(*tid.split(".")), schemas)
        last = None
        if "_loaded_at" not in columns.get(rel, set()):
            continue  # the table suite reports the missing table or column
        value = wh.query_df(f"select max(_loaded_at) as last_loaded_at from {rel}").iloc[0, 0]
        last = None if value is None or pd.isna(value) else pd.Timestamp(value)
        if last is None:
            empty.append(tid)  # no rows (its table suite notes it): nothing to be stale
            continue
        if last.tzinfo is not None:
            last = last.tz_convert("UTC")
        days = float((as_of - last.date()).days) if as_of else math.nan
        rows.append(
            {
                "table_name": tid,
                "last_loaded_at": last.isoformat(),
                "as_of_date": as_of.isoformat() if as_of else None,
                "days_since_load": days,
                "max_days": float(max_days),
                # both directions: a load long after as_of_date (an old export) only warns
                "days_loaded_after_as_of": max(-days, 0.0) if not math.isnan(days) else math.nan,
                "max_days_loaded_after": after_max,
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "table_name",
            "last_loaded_at",
            "as_of_date",
            "days_since_load",
            "max_days",
            "days_loaded_after_as_of",
            "max_days_loaded_after",
        ],
    )
    E = gx.expectations
    result = project.validate(
        "source.freshness",
        SOURCE,
        [
            E.ExpectColumnValuesToNotBeNull(column="days_since_load"),
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="max_days", column_B="days_since_load", or_equal=True
            ),
            E.ExpectColumnValuesToBeBetween(
                column="days_loaded_after_as_of", max_value=after_max, severity="warning"
            ),
        ],
        relation="raw _loaded_at vs as_of_date",
        frame=frame,
        batch=f"dataframe: max(_loaded_at) per table, as_of_date {as_of}",
        index_columns=["table_name"],
    )
    result.observed = {
        r.table_name: jsonable(r.days_since_load) for r in frame.itertuples(index=False)
    }
    result.failures = _split_by_key(result.failures, "table_name", "days_since_load", "_loaded_at")
    result.warnings = [
        {
            **w,
            "message": f"{w['table']} was last loaded {float(w.get('observed_value') or 0):.0f} "
            "days after "
            f"as_of_date {as_of} (bound {after_max:.0f}): an old export loaded late, or an "
            "as_of_date far in the past; the scores describe as_of_date, not the load date",
        }
        for w in _split_by_key(
            result.warnings, "table_name", "days_loaded_after_as_of", "_loaded_at"
        )
    ]
    result.notes = [
        {
            "table": tid,
            "column": "_loaded_at",
            "severity": "info",
            "message": f"{tid} is empty: freshness not checked",
        }
        for tid in empty
    ]
    return result


# --------------------------------------------------------------------------- mart check
MART_RELATION = "marts.mart_account_health"


def current_tiers(wh: Warehouse) -> dict[str, str]:
    """final_tier per account in the mart: what the next run's drift check compares with."""
    frame = wh.query_df(f"select account_id, final_tier from {MART_RELATION}")
    return {str(r.account_id): str(r.final_tier) for r in frame.itertuples(index=False)}


def mart_bounds(path: Path | str | None = None) -> dict[str, Any]:
    """The distribution bounds the user configured: a YAML (or JSON) file at ``path``, else at
    ``$CUSTOMER_HEALTH_MART_BOUNDS``; empty when neither is set. Keys are those of
    :data:`DISTRIBUTION_CHECKS`, shaped as in :data:`THRESHOLDS`, e.g.::

        tier_share: {at_risk: [0.0, 0.95]}
        health_score_mean: [20, 90]

    A configured bound fails the run when broken; an unconfigured one only warns."""
    import yaml

    path = path or os.environ.get(MART_BOUNDS_ENV)
    if not path:
        return {}
    try:
        loaded = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read the mart bounds file {path}: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ValueError(f"the mart bounds file {path} must hold a mapping")
    unknown = sorted(set(loaded) - set(DISTRIBUTION_CHECKS))
    if unknown:
        raise ValueError(
            f"the mart bounds file {path} has unknown key(s) {', '.join(unknown)}: use "
            + ", ".join(DISTRIBUTION_CHECKS)
        )
    tiers = loaded.get("tier_share") or {}
    if not isinstance(tiers, dict) or set(tiers) - set(THRESHOLDS["tier_share"]):
        raise ValueError(
            f"the mart bounds file {path}: tier_share maps "
            f"{', '.join(THRESHOLDS['tier_share'])} to [min, max]"
        )
    return loaded


def _bound(bounds: dict[str, Any], key: str, tier: str | None = None) -> tuple[Any, str]:
    """A distribution bound and its GX severity: critical when configured, else warning."""
    if tier is None:
        if key in bounds:
            return bounds[key], "critical"
        return THRESHOLDS[key], "warning"
    configured = bounds.get(key) or {}
    if tier in configured:
        return tuple(configured[tier]), "critical"
    return THRESHOLDS[key][tier], "warning"


def live_accounts_sql(mart_relation: str = "marts.mart_account_health") -> str:
    """The accounts the mart must score (the coverage check): one row per account live today
    under the lifecycle (int_lifecycle__accounts, see docs/lifecycle.md), with ``in_mart``."""
    return f"""
        select
            lifecycle.account_id,
            case when mart.account_id is null then false else true end as in_mart
        from intermediate.int_lifecycle__accounts as lifecycle
        left join {mart_relation} as mart on lifecycle.account_id = mart.account_id
        where lifecycle.is_live_today
        """


def validate_marts(
    wh: Warehouse,
    project: GxProject,
    previous_tiers: dict[str, str] | None = None,
    bounds: dict[str, Any] | None = None,
) -> PhaseResult:
    """The post-build check: score distributions, tier shares, coverage, and tier drift.

    Invariants (at least one row, coverage) fail; the distribution checks warn unless
    ``bounds`` (see :func:`mart_bounds`) configures them; drift always only warns."""
    import great_expectations as gx

    E = gx.expectations
    bounds = bounds or {}
    suites: list[SuiteResult] = []
    (mean_low, mean_high), mean_severity = _bound(bounds, "health_score_mean")
    stdev_min, stdev_severity = _bound(bounds, "health_score_stdev_min")
    completeness_min, completeness_severity = _bound(bounds, "data_completeness_mean_min")
    exps = [
        E.ExpectTableRowCountToBeBetween(min_value=1),
        E.ExpectColumnMeanToBeBetween(
            column="health_score",
            min_value=mean_low,
            max_value=mean_high,
            severity=mean_severity,
        ),
        E.ExpectColumnStdevToBeBetween(
            column="health_score", min_value=stdev_min, severity=stdev_severity
        ),
        E.ExpectColumnMeanToBeBetween(
            column="data_completeness",
            min_value=completeness_min,
            severity=completeness_severity,
        ),
    ]
    if wh.engine == "postgres":
        suites.append(
            project.validate(
                "mart.account_health",
                MART,
                exps,
                relation=MART_RELATION,
                table=("marts", "mart_account_health"),
                batch="table (GX SQL datasource)",
            )
        )
    else:
        frame = wh.query_df(
            f"select account_id, health_score, data_completeness, health_tier, final_tier "
            f"from {MART_RELATION}"
        )
        suites.append(
            project.validate(
                "mart.account_health",
                MART,
                exps,
                relation=MART_RELATION,
                frame=frame,
                batch=f"dataframe: all {len(frame):,} rows (score columns)",
            )
        )

    # tier shares
    shares = wh.query_df(
        f"select health_tier, count(*) as accounts from {MART_RELATION} group by 1"
    )
    total = float(shares["accounts"].sum()) or 1.0
    share_of = {str(r.health_tier): r.accounts / total for r in shares.itertuples(index=False)}
    tier_frame = pd.DataFrame(
        {f"share_{tier}": [share_of.get(tier, 0.0)] for tier in THRESHOLDS["tier_share"]}
    )
    tier_bounds = {tier: _bound(bounds, "tier_share", tier) for tier in THRESHOLDS["tier_share"]}
    suites.append(
        project.validate(
            "mart.tier_shares",
            MART,
            [
                E.ExpectColumnValuesToBeBetween(
                    column=f"share_{tier}", min_value=low, max_value=high, severity=severity
                )
                for tier, ((low, high), severity) in tier_bounds.items()
            ],
            relation=MART_RELATION,
            frame=tier_frame,
            batch="dataframe: aggregate query, share of accounts per health_tier",
        )
    )
    suites[-1].observed = {k: round(float(v), 4) for k, v in tier_frame.iloc[0].items()}

    # coverage: every live staged account is in the mart
    coverage = wh.query_df(live_accounts_sql(MART_RELATION))
    coverage["in_mart"] = coverage["in_mart"].astype(bool)
    suites.append(
        project.validate(
            "mart.coverage",
            MART,
            [E.ExpectColumnValuesToBeInSet(column="in_mart", value_set=[True])],
            relation=MART_RELATION,
            frame=coverage,
            batch="dataframe: accounts live today under the lifecycle (int_lifecycle__accounts)",
            index_columns=["account_id"],
        )
    )
    suites[-1].observed = {
        "live_staged_accounts": len(coverage),
        "missing_from_mart": int((~coverage["in_mart"]).sum()),
    }

    # drift against the previous run: a warning, never a failure
    if previous_tiers:
        now = current_tiers(wh)
        common = sorted(set(now) & set(previous_tiers))
        drift = pd.DataFrame(
            {
                "account_id": common,
                "previous_final_tier": [previous_tiers[a] for a in common],
                "final_tier": [now[a] for a in common],
            }
        )
        result = project.validate(
            "mart.tier_drift",
            MART,
            [
                E.ExpectColumnPairValuesToBeEqual(
                    column_A="previous_final_tier",
                    column_B="final_tier",
                    mostly=1 - THRESHOLDS["tier_drift_max_share"],
                    severity="warning",
                )
            ],
            relation=MART_RELATION,
            frame=drift,
            batch="dataframe: final_tier now vs the previous run's record",
            index_columns=["account_id"],
        )
        changed = int((drift["previous_final_tier"] != drift["final_tier"]).sum())
        result.observed = {
            "compared_accounts": len(common),
            "changed_accounts": changed,
            "changed_share": round(changed / len(common), 4) if common else 0.0,
            "threshold": THRESHOLDS["tier_drift_max_share"],
        }
        suites.append(result)
    return PhaseResult(MART, suites)
