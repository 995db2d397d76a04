------------------------ MODULE WitnessUniqueTxIds ------------------------
\* Non-vacuity of UniqueTxIdsInv: a transaction always gets the same TxID.
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* one transaction answered with two TxIDs
False == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<2, 1>>, <<0>>), RwR(0, "a", <<2, 2>>, <<0>>) >>

True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<2, 1>>, <<0>>), RwR(0, "a", <<2, 1>>, <<0>>) >>

ASSUME ~False!UniqueTxIdsInv
ASSUME True!UniqueTxIdsInv
=============================================================================
