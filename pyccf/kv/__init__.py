"""The key-value store: named maps, transactions with read and write sets, TxIDs and transaction statuses.

Below consensus, the ledger and the service, which build on it; it imports none of them.
"""
