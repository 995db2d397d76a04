------------------------- MODULE WitnessUniqueTxs -------------------------
\* Non-vacuity of UniqueTxsInv: a read-write TxID names one transaction.
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* two read-write transactions get one TxID
False == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwQ(1, "b"), RwR(0, "a", <<2, 1>>, <<0>>), RwR(1, "b", <<2, 1>>, <<1>>) >>

\* one seqno in two views (reused after a rollback)
True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwQ(1, "b"), RwR(0, "a", <<2, 1>>, <<0>>), RwR(1, "b", <<3, 1>>, <<1>>) >>

ASSUME ~False!UniqueTxsInv
ASSUME True!UniqueTxsInv
=============================================================================
