"""The offline auditor of CCF ledgers and receipts (to come)."""
