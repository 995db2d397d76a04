---------------------- MODULE WitnessMonotonicReads -----------------------
\* Non-vacuity of MonotonicReadsInv: a session never loses a write it observed that commits.
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* a later read of the session misses a committed write it read before
False == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "b"), RwR(0, "b", <<2, 1>>, <<0>>), St("b", <<2, 1>>, Committed), RoQ(1, "a"),
       RoR(1, "a", <<2, 2>>, <<0>>), RoQ(2, "a"), RoR(2, "a", <<2, 1>>, <<>>) >>

\* the write read first was rolled back; another session read less
True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "b"), RwR(0, "b", <<2, 1>>, <<0>>), RoQ(1, "a"), RoR(1, "a", <<2, 2>>, <<0>>),
       RoQ(2, "c"), RoR(2, "c", <<3, 1>>, <<>>), RoQ(3, "a"), RoR(3, "a", <<3, 1>>, <<>>),
       St("b", <<2, 1>>, Invalid) >>

ASSUME ~False!MonotonicReadsInv
ASSUME True!MonotonicReadsInv
=============================================================================
