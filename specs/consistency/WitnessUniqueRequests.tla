---------------------- MODULE WitnessUniqueRequests -----------------------
\* Non-vacuity of UniqueRequestsInv: each request id is requested once.
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* one id requested twice (read-write, then read-only)
False == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RoQ(0, "b") >>

True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RoQ(1, "b") >>

ASSUME ~False!UniqueRequestsInv
ASSUME True!UniqueRequestsInv
=============================================================================
