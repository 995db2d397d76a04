"""pyccf's exit codes, defined once for every command."""

EXIT_OK = 0  # every scenario ran and every check held
EXIT_FAILED = 1  # an assertion or the commit-safety check failed (or a simulation found a failure)
EXIT_BAD_INPUT = 2  # a missing, empty or malformed input, a bad option: one line naming it
EXIT_INTERRUPTED = 130  # Ctrl-C
