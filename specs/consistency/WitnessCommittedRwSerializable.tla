------------------ MODULE WitnessCommittedRwSerializable ------------------
\* Non-vacuity of CommittedRwSerializableInv: committed read-write transactions are serializable in TxID order (CCF's defect 4: its version rejected True).
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* a lost update: two committed writes observe the same prefix
False == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwQ(1, "b"), RwR(0, "a", <<1, 1>>, <<0>>), RwR(1, "b", <<1, 2>>, <<1>>),
       St("a", <<1, 1>>, Committed), St("b", <<1, 2>>, Committed) >>

\* a committed write that does not observe itself last
False2 == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 1>>, <<>>), St("a", <<1, 1>>, Committed) >>

\* two committed writes at one TxID, one observing the other (UniqueTxIds is
\* false too; this invariant must not need it to judge the pair)
False3 == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwQ(1, "b"), RwR(0, "a", <<1, 1>>, <<0>>), RwR(1, "b", <<1, 1>>, <<0, 1>>),
       St("a", <<1, 1>>, Committed) >>

\* tx 1 executed but never answered; only tx 0 and tx 2 respond and commit
True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwQ(1, "b"), RwQ(2, "c"), RwR(0, "a", <<1, 1>>, <<0>>),
       RwR(2, "c", <<1, 3>>, <<0, 1, 2>>), St("a", <<1, 1>>, Committed), St("c", <<1, 3>>, Committed) >>

ASSUME ~False!CommittedRwSerializableInv
ASSUME ~False2!CommittedRwSerializableInv
ASSUME ~False3!CommittedRwSerializableInv
ASSUME True!CommittedRwSerializableInv
=============================================================================
