"""The ``pyccf`` command line: a thin click layer over the library; exit codes are decided here."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from pyccf.cli.campaign import campaign
from pyccf.cli.exits import EXIT_INTERRUPTED, EXIT_OK
from pyccf.cli.scenario import scenario
from pyccf.cli.service import service
from pyccf.cli.simulate import simulate


class OneLineErrors(click.Group):
    """Bad options or arguments are one line, ``<command>: error: <what>`` with exit 2, like every other
    bad input, instead of click's usage block."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as e:  # a bare group: its help, as click prints it
            click.echo(e.format_message(), err=True)
            sys.exit(e.exit_code)
        except click.ClickException as e:
            ctx = e.ctx if isinstance(e, click.UsageError) else None
            where = ctx.command_path if ctx is not None else self.name
            click.echo(f"{where}: error: {e.format_message()}", err=True)
            sys.exit(e.exit_code)
        except (click.Abort, KeyboardInterrupt):  # Ctrl-C: not "a check failed"
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else EXIT_OK)
        return rv


@click.group(cls=OneLineErrors)
@click.version_option(package_name="pyccf")
def main() -> None:
    """CCF's consensus in Python: run CCF scenario files, simulate random scenarios, run a service, run
    verification campaigns."""


main.add_command(campaign)
main.add_command(scenario)
main.add_command(simulate)
main.add_command(service)
