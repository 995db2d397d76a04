"""``python -m pyccf``: the same command line as ``pyccf``."""

from pyccf.cli import main

main()
