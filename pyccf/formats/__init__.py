"""Shared vocabularies: the names CCF's formats use, with no codecs. Imports nothing else from pyccf."""
