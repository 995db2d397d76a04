---------------------- MODULE WitnessRoLinearizable -----------------------
\* Non-vacuity of RoLinearizableInv: read-only transactions are linearizable (not guaranteed by CCF; False is its documented case).
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* a deposed leader of view 1 serves a read after view 2 committed a write
False == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 1>>, <<0>>), St("a", <<1, 1>>, Committed), RwQ(1, "b"),
       RwR(1, "b", <<2, 2>>, <<0, 1>>), St("b", <<2, 2>>, Committed), RoQ(2, "c"),
       RoR(2, "c", <<1, 1>>, <<0>>), St("c", <<1, 1>>, Committed) >>

True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 1>>, <<0>>), St("a", <<1, 1>>, Committed), RwQ(1, "b"),
       RwR(1, "b", <<2, 2>>, <<0, 1>>), St("b", <<2, 2>>, Committed), RoQ(2, "c"),
       RoR(2, "c", <<2, 2>>, <<0, 1>>), St("c", <<2, 2>>, Committed) >>

ASSUME ~False!RoLinearizableInv
ASSUME True!RoLinearizableInv
=============================================================================
