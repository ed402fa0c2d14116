"""The doctor's findings as sectioned text in the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from customer_health.doctor.diagnose import BLOCKING, WARNING, Findings

SEVERITY_STYLE = {BLOCKING: "bold red", WARNING: "yellow", "info": "dim"}


def _fix_first(console: Console, findings: Findings) -> None:
    console.rule("What to fix first")
    if not findings.problems:
        console.print("Nothing: the raw data fits the contract.")
        return
    for n, p in enumerate(findings.problems, start=1):
        style = SEVERITY_STYLE[p.severity]
        console.print(f"{n:>2}. [{style}]{p.severity.upper()}[/] {p.message}", highlight=False)
        console.print(f"    next: {p.next_step}", highlight=False)


def _tables(console: Console, findings: Findings) -> None:
    console.rule("Tables and columns (the raw source contract)")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("status")
    table.add_column("notes", overflow="fold")
    for r in findings.tables:
        notes = []
        if r.missing_required:
            notes.append("missing required: " + ", ".join(r.missing_required))
        if r.missing_optional:
            notes.append("missing optional: " + ", ".join(r.missing_optional))
        for p in r.type_problems:
            if p.blocking:
                notes.append(f"{p.column}: {p.found}, expected {p.expected}")
            else:
                notes.append(
                    f"{p.column}: text, {p.unparseable_share:.0%} not a {p.expected} "
                    f"(e.g. {', '.join(repr(s) for s in p.samples[:3])})"
                )
        for column, blank in r.blanks.items():
            notes.append(f"{column} blank on {blank / r.rows:.0%}")
        if r.extra:
            notes.append("extra (ignored): " + ", ".join(r.extra))
        if not r.found:
            status = "[bold red]missing[/]"
        elif r.empty:
            status = "[yellow]empty[/]"
        elif r.missing_required or r.missing_optional or any(p.blocking for p in r.type_problems):
            status = "[bold red]incomplete[/]"
        else:
            status = "[green]ok[/]"
        table.add_row(r.relation, f"{r.rows:,}" if r.found else "-", status, "; ".join(notes))
    console.print(table)


def _lifecycle(console: Console, findings: Findings) -> None:
    if findings.life is None:
        return
    s = findings.life.summary()
    console.rule(f"Accounts on {s['as_of_date']} (lifecycle rules, grace {s['grace_days']} days)")
    status = s["by_status"]
    console.print(
        f"{s['accounts']:,} accounts: [bold]{s['live_today']:,} live today[/], "
        f"{status['churned']:,} churned, {status['deleted']:,} deleted, "
        f"{status['not_yet_customer']:,} not yet customers",
        highlight=False,
    )
    console.print(
        f"{s['episodes']:,} paying episodes, {s['reactivations']:,} reactivations, "
        f"{s['churned_episodes']:,} ended episodes, {s['contractions']:,} contractions",
        highlight=False,
    )
    conflicts = s["conflicts"]
    console.print(f"{conflicts['total']:,} conflicts between sources", highlight=False)
    for conflict_type, info in conflicts["by_type"].items():
        if not info["count"]:
            continue
        samples = "; ".join(f"{x['account_id']} ({x['evidence']})" for x in info["samples"])
        console.print(
            f"  {conflict_type}: {info['count']} on {info['accounts']} account(s), e.g. {samples}",
            highlight=False,
        )


def _coverage(console: Console, findings: Findings) -> None:
    if not findings.factors:
        return
    accounts = findings.factors[0].accounts
    console.rule(f"What each live account can be scored on ({accounts:,} live accounts)")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("family")
    table.add_column("accounts", justify="right")
    table.add_column("factors (share of live accounts with data)", overflow="fold")
    for family, info in findings.families.items():
        members = [f for f in findings.factors if f.family == family]
        detail = ", ".join(f"{f.factor.removeprefix(family + '_')} {f.share:.0%}" for f in members)
        style = "red" if info["share"] == 0 else ("yellow" if info["share"] < 1 else "green")
        table.add_row(family, f"[{style}]{info['share']:.0%}[/]", detail)
    console.print(table)


def _connectors(console: Console, findings: Findings) -> None:
    """The connector schemas found or chosen, and the identity map's match rates."""
    if not findings.connectors and findings.identity is None:
        return
    table = Table(title="Connector shapes", title_justify="left")
    for col in ("connector", "schema", "read for", "tables present (rows)", "absent"):
        table.add_column(col)
    for c in findings.connectors:
        present = ", ".join(f"{t} ({n:,})" for t, n in c.tables.items()) or "none"
        table.add_row(
            c.connector,
            c.schema,
            ", ".join(c.chosen_for) or "[yellow]not chosen[/]",
            present,
            ", ".join(c.missing) or "-",
        )
    console.print(table)
    if findings.identity is not None:
        ids = Table(title="Identity map (from the last build)", title_justify="left")
        for col in ("system", "records", "matched", "by method", "ambiguous", "unmatched"):
            ids.add_column(col)
        for system, e in sorted(findings.identity["systems"].items()):
            rate = f"{e['match_rate']:.0%}" if e["match_rate"] is not None else "n/a"
            methods = ", ".join(f"{k} {v:,}" for k, v in sorted(e["by_method"].items()))
            ids.add_row(
                system,
                f"{e['records']:,}",
                f"{e['matched']:,} ({rate})",
                methods or "-",
                str(e["ambiguous"]),
                str(e["unmatched"]),
            )
        console.print(ids)
    elif any(c.chosen_for for c in findings.connectors):
        console.print(
            "Identity map: not built yet; its match rates show here after a build.",
            highlight=False,
        )


def print_findings(findings: Findings, console: Console | None = None) -> None:
    console = console or Console(width=120)
    console.print(
        f"[bold]customer-health doctor[/] on {findings.warehouse}; score date "
        f"{findings.as_of_date or 'unknown'} ({findings.as_of_date_source})",
        highlight=False,
    )
    if findings.error:
        console.print(f"[bold red]error:[/] {findings.error}", highlight=False)
        return
    _fix_first(console, findings)
    _connectors(console, findings)
    _tables(console, findings)
    _lifecycle(console, findings)
    _coverage(console, findings)
    console.rule()
    blocking = findings.blocking
    if blocking:
        console.print(
            f"[bold red]{len(blocking)} blocking problem(s): fix them before building[/] "
            f"(exit code {findings.exit_code}).",
            highlight=False,
        )
    else:
        console.print(
            "[green]A build can proceed:[/] `customer-health run` (gate, build, checks).",
            highlight=False,
        )
