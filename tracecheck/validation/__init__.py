"""Trace validation: is each implementation trace a behaviour of a spec? One engine, one adapter per spec."""
