"""Settings: from the environment, checked early, documented in the README."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from kb.errors import SettingsError
from kb.settings import Settings
from tests.conftest import ROOT


def test_readme_settings_table_matches_the_fields():
    """Every setting appears in the README's table under its variable, and nothing else does."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(KB_[A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert documented == {f.metadata["env"] for f in fields(Settings)}


def test_environment_variables_are_read():
    """KB_* variables set the matching fields, with their types."""
    settings = Settings.from_env({"KB_DATA_DIR": "/srv/kb", "KB_CHUNK_MAX_WORDS": "250"})
    assert settings.data_dir == Path("/srv/kb")
    assert settings.chunk_max_words == 250


def test_a_bad_number_names_the_variable():
    """A value that is not a number is reported with its variable name."""
    with pytest.raises(SettingsError, match="KB_MAX_PAGES"):
        Settings.from_env({"KB_MAX_PAGES": "many"})


def test_an_unwritable_data_dir_names_the_fix(tmp_path):
    """A data directory that cannot be created says which setting to change."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SettingsError, match="KB_DATA_DIR"):
        Settings(data_dir=blocker / "data").check()


def test_switches_read_true_or_false_and_nothing_else():
    """KB_ANONYMOUS_READ takes true/false (1/0, yes/no); anything else names the variable."""
    assert Settings.from_env({"KB_ANONYMOUS_READ": "true"}).anonymous_read is True
    assert Settings.from_env({"KB_ANONYMOUS_READ": "0"}).anonymous_read is False
    with pytest.raises(SettingsError, match="KB_ANONYMOUS_READ"):
        Settings.from_env({"KB_ANONYMOUS_READ": "maybe"})


def test_half_configured_single_sign_on_names_what_is_missing(tmp_path):
    """A metadata URL without a client id is refused at start-up, naming the missing variable."""
    settings = Settings(data_dir=tmp_path / "data", oidc_metadata_url="https://idp.example/.well-known/x")
    with pytest.raises(SettingsError, match="KB_OIDC_CLIENT_ID"):
        settings.check()


def test_secrets_stay_out_of_the_settings_repr():
    """The session key and the client secret never appear when settings are printed or logged."""
    text = repr(Settings(secret_key="s" * 40, oidc_client_secret="very-secret"))
    assert "s" * 40 not in text and "very-secret" not in text
