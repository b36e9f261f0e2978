"""`correspondence scheduler`: the nightly daemon (scheduler/daemon.py), run by systemd or by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from correspondence.config import Settings
from scheduler.cli.base import Command, pass_settings


@click.command("scheduler", cls=Command)
@click.option("--config", help="scheduler configuration (default: $CORRESPONDENCE_SCHEDULER_CONFIG "
                               "or config/scheduler.toml)")
@click.option("--catch-up-now", is_flag=True,
              help="fire once at start (every night due up to today), then keep the schedule")
@pass_settings(templates=True)
def scheduler(settings: Settings, config: str | None, catch_up_now: bool) -> int:
    """The daemon: the night at the configured time, catching up."""
    from scheduler.daemon import ConfigError, load_config, serve

    path = Path(config) if config else settings.scheduler_config
    try:
        loaded = load_config(path)
    except ConfigError as exc:
        print(f"scheduler: {exc}", file=sys.stderr)
        return 2
    return serve(settings, loaded, catch_up_now=catch_up_now)
