"""Trace validation of client histories against specs/consistency (``--spec consistency``)."""
