"""CCF's on-disk ledger format: entries, domains, Merkle tree, signature transactions (to come)."""
