"""Packages: pyccf and tracecheck, plus the TLA+ specs shipped inside the wheel as ``tracecheck/specs``.

pyproject.toml holds everything else; only this mapping of a folder outside the package tree needs code.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["pyccf*", "tracecheck*"]), "tracecheck.specs"],
    package_dir={"tracecheck.specs": "specs"},
)
