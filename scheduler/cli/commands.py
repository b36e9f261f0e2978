"""The `correspondence` command group: one module per command group, each registered here by name — night
(init, run, demo), imports (import, imports), decide, letters, templates, mailroom, runs (runs, stats), daemon (scheduler),
desk (users, web)."""

from __future__ import annotations

import click

from scheduler.cli import daemon, decide, desk, imports, letters, mailroom, night, runs, templates
from scheduler.cli.base import Group


@click.group(cls=Group, name="correspondence")
def correspondence() -> None:
    """Writes the fund's letters every night: the operator's, the reviewers' and the mailroom's commands."""


for command in (night.init, imports.import_, imports.imports, night.demo, night.run, decide.decide, letters.letters,
                templates.templates, mailroom.mailroom, runs.runs, runs.stats, daemon.scheduler, desk.users, desk.web):
    correspondence.add_command(command)


def command_name(args: list[str]) -> str:
    """The command as typed ("mailroom collect"), to begin its one-line error."""
    command: click.Command = correspondence
    words = []
    for word in args:
        if not isinstance(command, click.Group) or word not in command.commands:
            break
        command = command.commands[word]
        words.append(word)
    return " ".join(words) or "correspondence"
