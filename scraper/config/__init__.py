"""Settings, loaded once: defaults < ``scraper.toml`` < ``SCRAPER_*`` environment < CLI flags.

Every module receives the part of `Settings` it needs as an argument; nothing reads settings from
module globals. One table of keys (`SETTING_KEYS`) drives the file, the environment and the command
line's options alike, so the three can never disagree on names, types or limits; `docs/config.md` is the
reference for users, and a test keeps its table equal to this one.

    _settings   the frozen dataclasses: Settings and its parts, SettingsOverrides
    _values     one parser per kind of value (durations, sizes, URLs, ...), shared by all three layers
    _keys       the key table: parser, help, default shown, environment variable, flag and its commands
    _file       which config file is read, and its errors located at their line
    _load       the layers merged into Settings
"""

from __future__ import annotations

from ._file import CONFIG_ENV, CONFIG_FILE_NAME
from ._keys import COMMANDS, ENV_PREFIX, SETTING_KEYS, SettingKey, command_flags, env_variables
from ._load import flag_overrides, load_settings
from ._settings import DEFAULT_USER_AGENT, FetchSettings, RunSettings, Settings, SettingsOverrides, Sources

__all__ = [
    "COMMANDS",
    "CONFIG_ENV",
    "CONFIG_FILE_NAME",
    "DEFAULT_USER_AGENT",
    "ENV_PREFIX",
    "SETTING_KEYS",
    "FetchSettings",
    "RunSettings",
    "SettingKey",
    "Settings",
    "SettingsOverrides",
    "Sources",
    "command_flags",
    "env_variables",
    "flag_overrides",
    "load_settings",
]
