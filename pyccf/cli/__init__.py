"""The ``pyccf`` command line: a thin click layer over the library; exit codes are decided here."""

from __future__ import annotations

import click

from pyccf.cli.scenario import scenario

try:  # written by the simulation work; the other commands must work without it
    from pyccf.cli.simulate import simulate
except ImportError:  # pragma: no cover - only while simulate_cli.py does not exist
    simulate = None


@click.group()
@click.version_option(package_name="pyccf")
def main() -> None:
    """CCF's consensus in Python: run CCF scenario files and simulate random scenarios."""


main.add_command(scenario)
if simulate is not None:
    main.add_command(simulate)
