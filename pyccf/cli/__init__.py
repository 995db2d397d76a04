"""The ``pyccf`` command line: a thin click layer over the library; exit codes are decided here."""

from __future__ import annotations

import click

from pyccf.cli.scenario import scenario
from pyccf.cli.simulate import simulate
from pyccf.cli.trace import trace


@click.group()
@click.version_option(package_name="pyccf")
def main() -> None:
    """CCF's consensus in Python: run CCF scenario files, simulate random scenarios, compare traces."""


main.add_command(scenario)
main.add_command(trace)
main.add_command(simulate)
