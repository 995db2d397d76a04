----------------------- MODULE WitnessCommittedTxIds -----------------------
\* Non-vacuity of CommittedTxIds, the committed TxIDs every invariant but StatusLattice uses: inferred
\* below a TxID reported Committed in its view, and from the writes a committed write observed.
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* the read 1.3 is reported Committed and misses the write 1.2, never polled but committed below it
False == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 2>>, <<0>>), RoQ(1, "b"), RoR(1, "b", <<1, 3>>, <<>>),
       St("b", <<1, 3>>, Committed) >>

\* the same read observes the write
True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 2>>, <<0>>), RoQ(1, "b"), RoR(1, "b", <<1, 3>>, <<0>>),
       St("b", <<1, 3>>, Committed) >>

\* the write 1.1 of view 1 is committed because the committed 2.1 observed it (another view)
Observed == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 1>>, <<0>>), RwQ(1, "b"), RwR(1, "b", <<2, 1>>, <<0, 1>>),
       St("b", <<2, 1>>, Committed) >>

\* the committed 2.1 did not observe it: 1.1 is not known committed
Unobserved == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 1>>, <<0>>), RwQ(1, "b"), RwR(1, "b", <<2, 1>>, <<1>>),
       St("b", <<2, 1>>, Committed) >>

ASSUME ~False!CommittedRoSerializableInv
ASSUME True!CommittedRoSerializableInv
ASSUME <<1, 2>> \in False!CommittedTxIds /\ <<1, 2>> \notin False!CommittedIds
ASSUME <<1, 1>> \in Observed!CommittedTxIds /\ <<1, 1>> \notin Unobserved!CommittedTxIds
=============================================================================
