"""``python -m tracecheck``: the same command line as ``tracecheck``."""

from tracecheck.cli import main

main()
