------------------ MODULE WitnessCommittedRoSerializable ------------------
\* Non-vacuity of CommittedRoSerializableInv: a committed read-only transaction observes exactly the committed writes up to its TxID.
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* a committed read at 1.2 misses the committed write 1.1
False == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 1>>, <<0>>), St("a", <<1, 1>>, Committed), RoQ(1, "b"),
       RoR(1, "b", <<1, 2>>, <<>>), St("b", <<1, 2>>, Committed) >>

\* a committed read at 1.1 observes the committed write 1.2
False2 == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 2>>, <<0>>), St("a", <<1, 2>>, Committed), RoQ(1, "b"),
       RoR(1, "b", <<1, 1>>, <<0>>), St("b", <<1, 1>>, Committed) >>

True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 1>>, <<0>>), St("a", <<1, 1>>, Committed), RoQ(1, "b"),
       RoR(1, "b", <<1, 2>>, <<0>>), St("b", <<1, 2>>, Committed) >>

ASSUME ~False!CommittedRoSerializableInv
ASSUME ~False2!CommittedRoSerializableInv
ASSUME True!CommittedRoSerializableInv
=============================================================================
