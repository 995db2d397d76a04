------------------- MODULE WitnessOnlyObserveRequested --------------------
\* Non-vacuity of OnlyObserveRequestedInv: responses observe only requested writes, each at most once.
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* a write observed twice (a retry appended twice)
False == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<2, 1>>, <<0, 0>>) >>

\* a write that was never requested
False2 == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<2, 2>>, <<7, 0>>) >>

\* a read-only transaction observed as a write
False3 == INSTANCE ConsistencyProperties WITH history <-
    << RoQ(0, "a"), RoR(0, "a", <<2, 1>>, <<>>), RwQ(1, "a"), RwR(1, "a", <<2, 2>>, <<0, 1>>) >>

True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwQ(1, "b"), RwR(0, "a", <<2, 2>>, <<1, 0>>) >>

ASSUME ~False!OnlyObserveRequestedInv
ASSUME ~False2!OnlyObserveRequestedInv
ASSUME ~False3!OnlyObserveRequestedInv
ASSUME True!OnlyObserveRequestedInv
=============================================================================
