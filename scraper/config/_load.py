"""Loading: defaults < config file < ``SCRAPER_*`` environment < flags, each layer parsed by the key
table's parsers, merged by settings target and built into `Settings` once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ..errors import ConfigError
from ._file import config_file, read_config_file
from ._keys import BY_DEST, BY_ENV, SETTING_KEYS, SOURCE_LISTS, SettingKey
from ._settings import FetchSettings, RunSettings, Settings, SettingsOverrides, Sources
from ._values import Invalid, ItemInvalid, show

__all__ = ["flag_overrides", "load_settings"]


def load_settings(
    config_path: str | None,
    env: Mapping[str, str],
    overrides: SettingsOverrides | None = None,
) -> Settings:
    """Build Settings: defaults < config file < ``SCRAPER_*`` environment < command-line overrides.

    The config file is `config_path`, else ``$SCRAPER_CONFIG``, else ``./scraper.toml`` when it
    exists, else none. A file named explicitly must exist. Any bad key or value raises ConfigError
    naming the key and where it came from (``scraper.toml:12: fetch.timeout: expected ...``).
    """
    values: dict[str, object] = {}
    path = config_file(config_path, env)
    if path is not None:
        values.update(read_config_file(path))
    values.update(_from_env(env))
    if overrides is not None:
        given = _from_overrides(overrides)
        if any(f"sources.{name}" in given for name in SOURCE_LISTS):
            for name in SOURCE_LISTS:
                values.pop(f"sources.{name}", None)
        values.update(given)
    return _build(values)


def flag_overrides(flags: Mapping[str, object]) -> SettingsOverrides:
    """The overrides of a command line's setting flags, by SettingsOverrides field, as click gives them.

    A value is a string, a tuple of strings for a repeatable flag, or True for a switch given; None,
    ``()`` and False mean "not given". Each is parsed as the file and the environment parse the key, so
    ``--timeout 30s`` and ``--max-size 10MiB`` work; a bad one raises ConfigError naming the flag.
    """
    typed: dict[str, object] = {}
    for dest, raw in flags.items():
        key = BY_DEST[dest]
        if key.switch is not None:
            if raw:
                typed[dest] = key.switch
        elif raw is not None and raw != ():
            typed[dest] = _parse_flag(key, raw)
    return SettingsOverrides(**typed)  # type: ignore[arg-type]  # each value parsed by its key


def _from_env(env: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for name, raw in env.items():
        key = BY_ENV.get(name)
        if key is None:
            continue  # SCRAPER_TEST_POSTGRES and friends belong to others
        try:
            values[key.target] = key.value.parse(raw)
        except Invalid as exc:
            raise ConfigError(f"environment variable {name}: expected {exc}, got {show(raw)}") from None
    return values


def _from_overrides(overrides: SettingsOverrides) -> dict[str, object]:
    values: dict[str, object] = {}
    for key in SETTING_KEYS:
        raw = getattr(overrides, key.dest)
        if raw is not None and raw != ():
            values[key.target] = _parse_flag(key, raw)
    return values


def _parse_flag(key: SettingKey, raw: object) -> object:
    try:
        return key.flag_type.parse(raw)
    except ItemInvalid as exc:
        raise ConfigError(f"{key.flag}: expected {exc}, got {show(exc.element)}") from None
    except Invalid as exc:
        raise ConfigError(f"{key.flag}: expected {exc}, got {show(raw)}") from None


def _build(values: Mapping[str, object]) -> Settings:
    sections: dict[str, dict[str, object]] = {"fetch": {}, "sources": {}, "run": {}, "": {}}
    for target, value in values.items():
        section, _, name = target.rpartition(".")
        sections[section][name] = value
    return Settings(
        fetch=replace(FetchSettings(), **sections["fetch"]),  # type: ignore[arg-type]
        sources=replace(Sources(), **sections["sources"]),  # type: ignore[arg-type]
        run=replace(RunSettings(), **sections["run"]),  # type: ignore[arg-type]
        **sections[""],  # type: ignore[arg-type]
    )
