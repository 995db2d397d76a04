"""A CCF service around the consensus core: transaction statuses, receipts (to come)."""
