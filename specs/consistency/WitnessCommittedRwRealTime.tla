-------------------- MODULE WitnessCommittedRwRealTime --------------------
\* Non-vacuity of CommittedRwRealTimeInv: committed read-write transactions are ordered in real time from their first response (CCF's defect 3: its version was vacuous on False).
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* tx 0 answered 1.2 before tx 1 was requested, tx 1 got 1.1, both committed
False == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 2>>, <<1, 0>>), RwQ(1, "b"), RwR(1, "b", <<1, 1>>, <<1>>),
       St("a", <<1, 2>>, Committed), St("b", <<1, 1>>, Committed) >>

True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 2>>, <<0>>), RwQ(1, "b"), RwR(1, "b", <<1, 3>>, <<0, 1>>),
       St("a", <<1, 2>>, Committed), St("b", <<1, 3>>, Committed) >>

\* tx 0's response comes before its own request (a ResponseFollowsRequest fault, not a real-time one)
True2 == INSTANCE ConsistencyProperties WITH history <-
    << RwR(0, "a", <<1, 1>>, <<0>>), RwQ(0, "a"), St("a", <<1, 1>>, Committed) >>

ASSUME ~False!CommittedRwRealTimeInv
ASSUME True!CommittedRwRealTimeInv
ASSUME True2!CommittedRwRealTimeInv
=============================================================================
