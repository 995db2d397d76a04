---------------------- MODULE WitnessReadYourWrites -----------------------
\* Non-vacuity of ReadYourWritesInv: a session observes its own earlier writes that commit.
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* a read misses the session's own committed write
False == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<2, 1>>, <<0>>), St("a", <<2, 1>>, Committed), RoQ(1, "a"),
       RoR(1, "a", <<2, 0>>, <<>>) >>

\* the missed write was rolled back (Invalid), another session's is not required
True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<2, 1>>, <<0>>), St("a", <<2, 1>>, Invalid), RwQ(1, "b"),
       RwR(1, "b", <<3, 1>>, <<1>>), St("b", <<3, 1>>, Committed), RoQ(2, "a"), RoR(2, "a", <<3, 2>>, <<1>>) >>

\* a committed write answered before its own (reused) request: a ResponseFollowsRequest fault only
True2 == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<2, 1>>, <<1>>), RwQ(0, "a"), St("a", <<2, 1>>, Committed) >>

ASSUME ~False!ReadYourWritesInv
ASSUME True!ReadYourWritesInv
ASSUME True2!ReadYourWritesInv
=============================================================================
