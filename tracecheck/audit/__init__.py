"""The offline auditor: CCF ledgers (reader, Merkle tree, signatures) and receipts and fork proofs,
verified with code of its own (it shares only pyccf.formats, the vocabulary, with pyccf)."""
