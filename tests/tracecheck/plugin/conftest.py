# The example project is run by test_plugin.py through pytester, never collected as part of this suite.
collect_ignore = ["example"]
