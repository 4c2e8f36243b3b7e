"""`triage demo` end to end: a model trained on the repo's training_data/ (once per session,
into a temporary directory), then the demo over loopback IMAP (pymap) and SMTP (aiosmtpd).

The printed outcomes must show each path: a request assigned, a request that was asked for
missing details and, after the sender's reply, merged and assigned, and an out-of-office
auto-reply ignored.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from triage.cli import main
from triage.model import registry

# the first test pays for training the full model (several minutes, more on a busy machine)
pytestmark = [pytest.mark.integration, pytest.mark.ml, pytest.mark.timeout(900)]

TRAINING_DATA = Path(__file__).resolve().parents[1] / "training_data"
NO_CONFIG = {"TRIAGE_CONFIG": "/nonexistent/triage.toml", "TRIAGE_MODELS": None}
OUTCOME = re.compile(r"^\s+(\w+)\s+(REQ-\d+|-)\s+(\w+)\s+(.*)$")


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=NO_CONFIG, catch_exceptions=False)


@pytest.fixture(scope="session")
def full_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`triage train` on all of training_data/ (several minutes), once per session."""
    models = tmp_path_factory.mktemp("demo-models") / "models"
    result = cli("train", "--data", str(TRAINING_DATA), "--models", str(models))
    assert result.exit_code == 0, result.output
    assert registry.current(models) is not None
    return models


@pytest.fixture(scope="session")
def demo_output(full_model: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    workdir = tmp_path_factory.mktemp("demo-run")
    result = cli("demo", "--models", str(full_model), "--workdir", str(workdir))
    assert result.exit_code == 0, result.output
    return result.stdout


def outcomes(text: str) -> list[tuple[str, str, str, str]]:
    """(status, ref, action, detail) from the demo's '=== outcomes ===' section."""
    section = text.split("=== outcomes ===", 1)
    assert len(section) == 2, "the demo printed no outcomes"
    rows = [m.groups() for line in section[1].splitlines() if (m := OUTCOME.match(line))]
    assert rows, section[1]
    return rows  # type: ignore[return-value]


def test_demo_runs_against_the_trained_model(demo_output: str, full_model: Path) -> None:
    assert f"model {registry.current(full_model)}" in demo_output
    assert "=== assignment log (triage log) ===" in demo_output
    assert "=== mails sent (captured by the SMTP server) ===" in demo_output


def test_demo_assigns_a_complete_request(demo_output: str) -> None:
    assigned = [o for o in outcomes(demo_output) if o[0] == "processed" and o[2] == "assign"]
    assert assigned
    assert all(o[1].startswith("REQ-") and "@" in o[3] for o in assigned)


def test_demo_clarifies_then_merges_the_reply_and_assigns(demo_output: str) -> None:
    rows = outcomes(demo_output)
    clarified = {o[1]: i for i, o in enumerate(rows) if o[0] == "processed" and o[2] == "clarify"}
    assert clarified, rows
    merged = [(i, o) for i, o in enumerate(rows) if o[0] == "merged" and o[2] == "assign"
              and o[1] in clarified]
    assert merged, rows
    for i, (_status, ref, _action, detail) in merged:
        assert i > clarified[ref] and "@" in detail
    assert "answers the clarification" in demo_output


def test_demo_ignores_the_out_of_office_reply(demo_output: str) -> None:
    ignored = [o for o in outcomes(demo_output) if o[0] == "ignored"]
    assert any(o[2] == "ignore" and o[3].startswith("out_of_office") for o in ignored), ignored
