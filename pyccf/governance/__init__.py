"""Governance: members sign requests as CCF's do, and CCF's own JavaScript constitution decides them.

``engine.Governance`` is the frontend (propose, ballot, withdraw, state-digest update and ack) over a
store; ``js`` runs the constitution in quickjs with a ``ccf`` global; ``requests`` signs and verifies
COSE_Sign1 requests; ``script`` drives it all from a readable file. See docs/governance.md.
"""
