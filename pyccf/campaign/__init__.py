"""Verification campaigns: thousands of seeds spread over a Dask cluster, each simulated, its trace
validated by TLC, failures shrunk, results written as they arrive so a campaign resumes where it stopped.

The one place in pyccf that composes pyccf with tracecheck (an import contract keeps the rest apart).
"""
