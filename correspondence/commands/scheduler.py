"""`correspondence scheduler`: the nightly daemon (scheduler/daemon.py), run by systemd or by hand."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from correspondence.config import Settings


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from scheduler.daemon import ConfigError, load_config, serve

    path = Path(args.config or os.environ.get("CORRESPONDENCE_SCHEDULER_CONFIG") or _default())
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(f"scheduler: {exc}", file=sys.stderr)
        return 2
    return serve(settings, config, catch_up_now=args.catch_up_now)


def _default() -> Path:
    from scheduler.daemon import DEFAULT_CONFIG

    return DEFAULT_CONFIG


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    s = subparsers.add_parser("scheduler", help="the daemon: the night at the configured time, catching up")
    s.add_argument("--config", help="scheduler configuration (default: $CORRESPONDENCE_SCHEDULER_CONFIG "
                                    "or config/scheduler.toml)")
    s.add_argument("--catch-up-now", action="store_true",
                   help="fire once at start (every night due up to today), then keep the schedule")
    s.set_defaults(func=cmd_scheduler)
