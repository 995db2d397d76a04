"""Governance: members, proposals and CCF's JavaScript constitution (to come)."""
