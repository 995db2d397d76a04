"""The key-value store: named maps, transactions with read and write sets, TxIDs (to come)."""
