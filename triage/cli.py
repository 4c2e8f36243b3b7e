"""The `triage` command line: thin click commands over the package.

Exit codes: 0 success; 1 an operation failed (e.g. a request or version not found, a
model worse than the current one); 2 usage or configuration error (the operator must fix
something); 3 no usable model; 75 a transient failure in a single pass (retry later).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from triage.errors import ConfigError, DataError, ModelError, TriageError

EXIT_FAIL, EXIT_USAGE, EXIT_NO_MODEL, EXIT_TEMPFAIL = 1, 2, 3, 75


def _now() -> datetime:
    return datetime.now(UTC)


def _config_path(path: str | None) -> Path:
    return Path(path or os.environ.get("TRIAGE_CONFIG", "triage.toml"))


def _load_config(path: str | None) -> Any:
    from triage import config

    try:
        return config.load(_config_path(path))
    except ConfigError as exc:
        lines = "\n".join(f"  - {p}" for p in exc.problems)
        click.echo(f"error: configuration {_config_path(path)} is not usable:\n{lines}", err=True)
        sys.exit(EXIT_USAGE)


def _models_dir(cfg: Any, option: str | None) -> str:
    if option:
        return option
    if cfg is not None:
        return str(cfg.models_dir)
    return os.environ.get("TRIAGE_MODELS", "models")


def _fail(message: str, code: int = EXIT_FAIL) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


EXIT_CODES_HELP = (f"Exit codes: 0 success; {EXIT_FAIL} the operation failed (not found, model "
                   f"not promoted); {EXIT_USAGE} usage or configuration error; {EXIT_NO_MODEL} no "
                   f"usable model; {EXIT_TEMPFAIL} transient failure in a --once pass (retry "
                   "later).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="triage")
def main(verbose: int) -> None:
    """triage: classify back-office mail, ask for missing details, assign to owners."""
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


CONFIG = click.option("-c", "--config", "config_path", default=None, metavar="FILE",
                      help="Config TOML (default $TRIAGE_CONFIG or ./triage.toml).")


# -- daemon --------------------------------------------------------------------------
@main.command()
@CONFIG
@click.option("--once", is_flag=True, help="One pass (fetch, handle, send), then exit: for cron.")
def run(config_path: str | None, once: bool) -> None:
    """Run the daemon: watch the IMAP folder and handle every new message once."""
    from triage.daemon.build import build_runner

    cfg = _load_config(config_path)
    try:
        runner = build_runner(cfg, config_path=str(_config_path(config_path)))
    except ModelError as exc:
        _fail(f"{exc}\nTrain one with `triage train`.", EXIT_NO_MODEL)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    if not once:
        runner.install_signal_handlers()
        version = runner.services.classifier.version
        click.echo(f"triage: watching {runner.mailbox_name} (model {version})",
                   err=True)
    sys.exit(runner.run(once=once))


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@CONFIG
def db_upgrade(config_path: str | None) -> None:
    """Apply Alembic migrations up to the newest schema (also done on every start)."""
    from triage.store.engine import Store

    cfg = _load_config(config_path)
    store = Store(cfg.database_url)
    store.upgrade()
    click.echo(f"database at revision {store.current_revision()}")


# -- model ---------------------------------------------------------------------------
@main.command()
@click.option("--data", "data_dir", default="training_data", show_default=True,
              type=click.Path(exists=True), help="Directory (or file) of labelled JSON Lines.")
@click.option("--models", "models_opt", default=None, help="Models directory.")
@CONFIG
@click.option("--force", is_flag=True, help="Make the new version current even if worse.")
@click.option("--no-corrections", is_flag=True,
              help="Leave out relabels recorded by supervisors.")
@click.option("--seed", default=0, show_default=True, type=int)
def train(data_dir: str, models_opt: str | None, config_path: str | None, force: bool,
          no_corrections: bool, seed: int) -> None:
    """Train type and urgency models, register a new version, promote it if not worse."""
    from triage.training import run_training

    cfg = None
    if config_path or _config_path(None).exists():
        cfg = _load_config(config_path)
    try:
        result = run_training(Path(data_dir), _models_dir(cfg, models_opt), cfg=cfg, seed=seed,
                              force=force, corrections=not no_corrections,
                              echo=lambda m: click.echo(m, err=True))
    except DataError as exc:
        _fail(str(exc), EXIT_USAGE)
    click.echo(result.report)
    if not result.promoted:
        click.echo(f"version {result.version} kept but NOT made current: {result.why}", err=True)
        sys.exit(EXIT_FAIL)


@main.command()
@click.option("--data", "data_file", required=True, type=click.Path(exists=True),
              help="Labelled JSON Lines (TAXONOMY format).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--plots", "plots_dir", default=None, type=click.Path(file_okay=False),
              help="Write confusion matrices as PNG here.")
@click.option("--models", "models_opt", default=None, help="Models directory.")
@click.option("--version", "version", default=None, help="Model version (default current).")
def evaluate(data_file: str, fmt: str, plots_dir: str | None, models_opt: str | None,
             version: str | None) -> None:
    """Measure the current model and context check on labelled records (trains nothing)."""
    from triage import context, dataset
    from triage import evaluate as ev
    from triage.model.classifier import Classifier

    try:
        records = dataset.load_jsonl(Path(data_file))
        clf = Classifier.load(_models_dir(None, models_opt), version)
    except DataError as exc:
        _fail(str(exc), EXIT_USAGE)
    except ModelError as exc:
        _fail(str(exc), EXIT_NO_MODEL)
    report = ev.evaluate(records, clf, context.check)
    if plots_dir:
        ev.write_plots(report, Path(plots_dir))
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        click.echo(ev.format_text(report))


@main.group()
def models() -> None:
    """List, inspect, promote and roll back model versions."""


MODELS_OPT = click.option("--models", "models_opt", default=None, help="Models directory.")


@models.command("list")
@MODELS_OPT
def models_list(models_opt: str | None) -> None:
    """Every version with its date, data size and held-out scores; * marks current."""
    from rich.console import Console
    from rich.table import Column, Table

    from triage.model import registry

    d = _models_dir(None, models_opt)
    current = registry.current(d)
    table = Table("", Column("version", no_wrap=True), "created", "records", "type macro-F1",
                  "urgency macro-F1")
    for meta in registry.summaries(d):
        m = meta.get("metrics") or {}
        table.add_row("*" if meta["version"] == current else "", meta["version"],
                      str(meta.get("created_at", ""))[:19], str(meta.get("n_records", "")),
                      _fmt(m.get("type_macro_f1")), _fmt(m.get("urgency_macro_f1")))
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # piped: 80 columns would cut version names short
    console.print(table)


def _fmt(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, (int, float)) else "-"


@models.command("show")
@click.argument("version", required=False)
@MODELS_OPT
def models_show(version: str | None, models_opt: str | None) -> None:
    """A version's metadata as JSON (default: the current one)."""
    from triage.model import registry

    try:
        click.echo(json.dumps(registry.show(_models_dir(None, models_opt), version), indent=2,
                              ensure_ascii=False))
    except ModelError as exc:
        _fail(str(exc))


@models.command("promote")
@click.argument("version")
@MODELS_OPT
def models_promote(version: str, models_opt: str | None) -> None:
    """Make VERSION current (a running daemon picks it up on SIGHUP or restart)."""
    from triage.model import registry

    try:
        registry.promote(_models_dir(None, models_opt), version)
    except ModelError as exc:
        _fail(str(exc))
    click.echo(f"current model: {version}")


@models.command("rollback")
@MODELS_OPT
def models_rollback(models_opt: str | None) -> None:
    """Go back to the version that was current before the last promotion."""
    from triage.model import registry

    try:
        version = registry.rollback(_models_dir(None, models_opt))
    except ModelError as exc:
        _fail(str(exc))
    click.echo(f"current model: {version}")


# -- judgement without side effects ---------------------------------------------------
@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@MODELS_OPT
@CONFIG
def classify(files: tuple[str, ...], fmt: str, models_opt: str | None,
             config_path: str | None) -> None:
    """What triage would decide for raw .eml files; stores and sends nothing."""
    from triage.explain import explain_file
    from triage.model.classifier import Classifier

    cfg = None
    if config_path or _config_path(None).exists():
        cfg = _load_config(config_path)
    try:
        clf = Classifier.load(_models_dir(cfg, models_opt))
    except ModelError as exc:
        _fail(f"{exc}\nTrain one with `triage train`.", EXIT_NO_MODEL)
    for f in files:
        result = explain_file(Path(f), clf, cfg)
        if fmt == "json":
            click.echo(json.dumps(result, ensure_ascii=False, default=str))
        else:
            click.echo(_explain_text(result))


def _explain_text(r: dict[str, Any]) -> str:
    lines = [f"== {r['file']}"]
    if r.get("error"):
        lines.append(f"  quarantine: {r['error']}")
        return "\n".join(lines)
    lines.append(f"  from: {r['from']}  lang: {r['lang']}  subject: {r['subject']}")
    if r["automated"]:
        lines.append(f"  automated: yes ({r['guard']['kind']}, rule {r['guard']['rule']})")
    else:
        lines.append("  automated: no")
        lines.append(f"  type: {r['type']} ({r['type_confidence']:.2f})   urgency: "
                     f"{r['urgency']} ({r['urgency_confidence']:.2f})")
        for slot in r["found"]:
            lines.append(f"  found   {slot['slot']:<12} {slot['evidence']!r} ({slot['source']})")
        for slot in r["missing"]:
            lines.append(f"  MISSING {slot}")
        if r.get("deadline"):
            lines.append(f"  deadline: {r['deadline']['text']!r} -> {r['deadline']['due']}")
    lines.append(f"  decision: {r['decision']} ({r['reason']})")
    return "\n".join(lines)


# -- the log -------------------------------------------------------------------------
@main.command("log")
@CONFIG
@click.option("--status", default=None, help="Current request status, e.g. assigned.")
@click.option("--type", "type_", default=None, help="Request type.")
@click.option("--owner", default=None, help="Owner e-mail or name.")
@click.option("--since", default=None, help="From this date/time (ISO 8601).")
@click.option("--until", default=None, help="Up to this date/time (ISO 8601).")
@click.option("--ref", default=None, help="One request, e.g. REQ-000012.")
@click.option("--limit", default=None, type=int)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
def log_cmd(config_path: str | None, status: str | None, type_: str | None, owner: str | None,
            since: str | None, until: str | None, ref: str | None, limit: int | None,
            fmt: str) -> None:
    """The assignment log: every step of every request (who, when, why, which model)."""
    from triage.logview import render_log
    from triage.store import queries
    from triage.store.engine import Store

    cfg = _load_config(config_path)
    store = Store(cfg.database_url)
    store.upgrade()
    try:
        since_dt = _parse_dt(since) if since else None
        until_dt = _parse_dt(until) if until else None
    except ValueError as exc:
        _fail(f"bad date: {exc}", EXIT_USAGE)
    with store.transaction() as s:
        rows = queries.log_rows(s, status=status, type=type_, owner=owner, since=since_dt,
                                until=until_dt, ref=ref, limit=limit)
    click.echo(render_log(rows, fmt), nl=False)


def _parse_dt(text: str) -> datetime:
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@main.command()
@CONFIG
@click.option("--since", default=None, help="From this date/time (ISO 8601).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def stats(config_path: str | None, since: str | None, fmt: str) -> None:
    """Counts by status, type and owner, and the median time to assignment."""
    from triage.store import queries
    from triage.store.engine import Store

    cfg = _load_config(config_path)
    store = Store(cfg.database_url)
    store.upgrade()
    with store.transaction() as s:
        data = queries.stats(s, since=_parse_dt(since) if since else None)
    if fmt == "json":
        click.echo(json.dumps(data, default=str, ensure_ascii=False))
    else:
        for key, value in data.items():
            click.echo(f"{key}: {value}")


# -- supervisors' corrections ------------------------------------------------------------
@main.command()
@click.argument("ref")
@click.option("--type", "type_", required=True, help="The right request type.")
@click.option("--urgency", required=True, help="The right urgency.")
@click.option("--actor", default=lambda: os.environ.get("USER", "operator"),
              help="Who makes the correction (default $USER).")
@CONFIG
def relabel(ref: str, type_: str, urgency: str, actor: str, config_path: str | None) -> None:
    """Correct a request's type and urgency; `triage train` learns from it."""
    from triage import supervise

    cfg = _load_config(config_path)
    try:
        click.echo(supervise.relabel(cfg, ref, type_, urgency, actor=actor, now=_now()))
    except TriageError as exc:
        _fail(str(exc))


@main.command()
@click.argument("ref")
@click.option("--to", "to", required=True, help="Owner e-mail (must be configured).")
@click.option("--reason", required=True, help="Why; goes into the assignment log.")
@click.option("--actor", default=lambda: os.environ.get("USER", "operator"))
@CONFIG
def reassign(ref: str, to: str, reason: str, actor: str, config_path: str | None) -> None:
    """Give a request to another owner; the new owner is notified."""
    from triage import supervise

    cfg = _load_config(config_path)
    try:
        click.echo(supervise.reassign(cfg, ref, to, reason, actor=actor, now=_now()))
    except TriageError as exc:
        _fail(str(exc))


@main.group()
def quarantine() -> None:
    """Messages that could not be processed, kept with their raw bytes."""


@quarantine.command("list")
@CONFIG
def quarantine_list(config_path: str | None) -> None:
    from triage import supervise

    cfg = _load_config(config_path)
    for line in supervise.quarantine_lines(cfg):
        click.echo(line)


@quarantine.command("replay")
@click.argument("message_row_id", type=int)
@CONFIG
def quarantine_replay(message_row_id: int, config_path: str | None) -> None:
    """Re-run one stored message through the pipeline (after a fix or a new model)."""
    from triage import supervise

    cfg = _load_config(config_path)
    try:
        click.echo(supervise.replay(cfg, message_row_id, now=_now()))
    except TriageError as exc:
        _fail(str(exc))


@main.command()
@CONFIG
def owners(config_path: str | None) -> None:
    """Owners per team from the config, with their open requests."""
    from triage import supervise

    cfg = _load_config(config_path)
    for line in supervise.owner_lines(cfg):
        click.echo(line)


@main.command()
@click.option("--workdir", default=None, type=click.Path(file_okay=False),
              help="Where the demo keeps its database (default: a temporary directory).")
@MODELS_OPT
def demo(workdir: str | None, models_opt: str | None) -> None:
    """A self-contained run: local IMAP (pymap) and SMTP servers, sample mail, the daemon."""
    from triage.demo.run import run_demo

    try:
        sys.exit(run_demo(workdir=workdir, models_dir=_models_dir(None, models_opt),
                          echo=click.echo))
    except ModelError as exc:
        _fail(f"{exc}\nTrain one with `triage train`.", EXIT_NO_MODEL)


if __name__ == "__main__":
    main()
