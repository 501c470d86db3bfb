"""SPEC 4b: configuration keys, defaults and clear errors."""

import pytest
from click.testing import CliRunner

from vaultkeeper.cadence import Cadence
from vaultkeeper.cli import cli
from vaultkeeper.config import DEFAULT_CONFIG_TEXT, Config, parse_config
from vaultkeeper.errors import ConfigError


def test_defaults():
    config = parse_config("")
    assert config == Config()
    assert config.focus_limit == 3 and config.graduate_after == 3
    assert config.fading_after == Cadence("D", 30)
    assert config.stage_cadence["established"] == Cadence("M", 3)


def test_every_key():
    config = parse_config(
        'people = ["Contacts"]\noutput_dir = "CRM/Pages"\nfocus_limit = 2\nfading_after = "6 weeks"\n'
        'graduate_after = 4\nlog_headings = ["Journal"]\ndaily_notes = "auto"\nexclude = ["Archive/**"]\n'
        '[stages.new]\ncadence = "3d"\n[stages.dormant]\ncadence = "1 year"\n[stages.growing]\ncadence = "none"\n'
    )
    assert config.people == ("Contacts",)
    assert config.output_dir == "CRM/Pages"
    assert config.focus_limit == 2
    assert config.fading_after == Cadence("D", 42)
    assert config.graduate_after == 4
    assert config.log_headings == ("Journal",)
    assert config.daily_notes == "auto"
    assert config.exclude == ("Archive/**",)
    assert config.stage_cadence["new"] == Cadence("D", 3)
    assert config.stage_cadence["dormant"] == Cadence("Y", 1)
    assert config.stage_cadence["growing"] is None


def test_default_config_text_is_the_defaults():
    assert parse_config(DEFAULT_CONFIG_TEXT) == Config()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("focus_limt = 3\n", ".vaultkeeper/config.toml:1: focus_limt: unknown key"),
        ("# c\nfocus_limit = -1\n", ".vaultkeeper/config.toml:2: focus_limit: must be a whole number of at least 0"),
        ("focus_limit = true\n", ".vaultkeeper/config.toml:1: focus_limit: must be a whole number"),
        ('fading_after = "soon"\n', ".vaultkeeper/config.toml:1: fading_after: not a cadence"),
        ('output_dir = "../outside"\n', ".vaultkeeper/config.toml:1: output_dir: must be a folder inside the vault"),
        ('output_dir = "/tmp/x"\n', ".vaultkeeper/config.toml:1: output_dir: must be a folder inside the vault"),
        ("log_headings = []\n", ".vaultkeeper/config.toml:1: log_headings: must not be empty"),
        ("people = [1]\n", ".vaultkeeper/config.toml:1: people: must be a list of non-empty strings"),
        ("\n[stages.friend]\ncadence = \"1w\"\n", ".vaultkeeper/config.toml:2: friend: unknown stage"),
        ("[stages.new]\ncadance = \"1w\"\n", ".vaultkeeper/config.toml:2: cadance: unknown key"),
        ("[stages.new]\ncadence = \"often\"\n", ".vaultkeeper/config.toml:2: cadence: not a cadence"),
        ("focus_limit = \n", ".vaultkeeper/config.toml:1: invalid TOML"),
    ],
)
def test_bad_config_names_key_and_line(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert str(caught.value).startswith(message)


def test_bad_config_exits_2_with_one_line(make_vault):
    root = make_vault({".vaultkeeper/config.toml": "focus_limit = 3\nbogus = 1\n", "People/Ada.md": ""})
    result = CliRunner().invoke(cli, ["status", str(root)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: .vaultkeeper/config.toml:2: bogus: unknown key (known keys: daily_notes, exclude, "
        "fading_after, focus_limit, graduate_after, ics, log_headings, output_dir, page_limit, people, stages)"
    ]


def test_configured_log_headings_and_stage_cadence(make_vault):
    from conftest import person, report_of

    root = make_vault(
        {
            ".vaultkeeper/config.toml": 'log_headings = ["Journal"]\n[stages.new]\ncadence = "3 days"\n',
            "People/Ada.md": "---\nstage: new\n---\n## Journal\n- 2026-11-20 x\n## Log\n- 2026-11-21 not a log now\n",
        }
    )
    ada = person(report_of(root), "Ada")
    assert ada.last_contact.isoformat() == "2026-11-20"
    assert ada.next_due.isoformat() == "2026-11-23"
