"""Options several pyccf commands share, defined once."""

from __future__ import annotations

import click

from pyccf.formats import variants

#: ``--ccf-version``: the CCF behaviour (profile) the core follows.
ccf_version_option = click.option(
    "--ccf-version",
    type=click.Choice(variants.CCF_VERSIONS),
    default=variants.CCF_VERSION_DEFAULT,
    show_default=True,
    help=f"The CCF behaviour the core follows: {variants.profiles_help()}.",
)
