"""Configuration: one clear error naming every bad key; secrets only from env or files."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage import config
from triage.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[1] / "triage.example.toml"
ENV = {"TRIAGE_SECRET": "s", "TRIAGE_IMAP_PASSWORD": "imap-pw", "TRIAGE_SMTP_PASSWORD": "smtp-pw"}


def test_example_config_loads_with_secrets_from_env() -> None:
    cfg = config.load(EXAMPLE, env=ENV)
    assert cfg.imap.password == "imap-pw"
    assert cfg.smtp.password == "smtp-pw"
    assert cfg.allowed_domains == ("example.co.jp",)
    assert [o.email for o in cfg.teams["accounting"]] == ["makoto.takahashi@example.co.jp",
                                                           "grace.lee@example.co.jp"]
    assert "imap-pw" not in repr(cfg)


def test_every_problem_is_reported_together(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text(
        '[instance]\nshared_address = "nope"\ncolour = "blue"\n'
        '[imap]\nuser = "u"\npassword = "plain"\ntls = "maybe"\nport = "143"\n'
        '[teams.it]\nowners = []\n[teams.finance]\nowners = [{name="a", email="a@b.c"}]\n',
        encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        config.load(p, env={})
    text = "\n".join(info.value.problems)
    for fragment in ("instance.shared_address", "instance.colour: unknown key",
                     "imap.password: secrets may not be written", "imap.tls",
                     "imap.port: expected int", "teams.it.owners", "teams.finance",
                     "teams.hr: no owners", "triage_queue.owner: required"):
        assert fragment in text


def test_password_file_relative_to_config(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        'password_env = "TRIAGE_IMAP_PASSWORD"', 'password_file = "imap.pw"')
    (tmp_path / "imap.pw").write_text("from-file\n", encoding="utf-8")
    p = tmp_path / "triage.toml"
    p.write_text(text, encoding="utf-8")
    cfg = config.load(p, env=ENV)
    assert cfg.imap.password == "from-file"
    assert cfg.database_url == "sqlite:///" + str((tmp_path / "var/triage.db").resolve())


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        config.load(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[instance\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(bad)
