----------------------- MODULE WitnessStatusLattice -----------------------
\* Non-vacuity of StatusLatticeInv: the status lattice.
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* Committed 2.3, yet 2.2 (a write of view 2) Invalid
False == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<2, 2>>, <<0>>), RwQ(1, "a"), RwR(1, "a", <<2, 3>>, <<0, 1>>),
       St("a", <<2, 3>>, Committed), St("a", <<2, 2>>, Invalid) >>

\* Invalid 2.2, yet the later 2.3 Committed
False2 == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<2, 2>>, <<0>>), St("a", <<2, 2>>, Invalid), RwQ(1, "a"),
       RwR(1, "a", <<2, 3>>, <<0, 1>>), St("a", <<2, 3>>, Committed) >>

\* one TxID both Committed and Invalid
False3 == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<2, 2>>, <<0>>), St("a", <<2, 2>>, Committed), St("b", <<2, 2>>, Invalid) >>

\* Committed 3.2 and the older view's later 2.4 Committed
False4 == INSTANCE ConsistencyProperties WITH history <-
    << St("a", <<3, 2>>, Committed), St("b", <<2, 4>>, Committed) >>

\* 2.1 Invalid as an impossible TxID below view 2's first entry 2.2
True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<2, 2>>, <<0>>), RwQ(1, "a"), RwR(1, "a", <<2, 3>>, <<0, 1>>),
       St("a", <<2, 3>>, Committed), St("a", <<2, 1>>, Invalid), St("b", <<2, 2>>, Pending),
       St("b", <<2, 3>>, Unknown) >>

\* a rolled-back 2.4 Invalid, 3.4 (its seqno reused) Committed
True2 == INSTANCE ConsistencyProperties WITH history <-
    << St("a", <<2, 4>>, Invalid), St("a", <<3, 4>>, Committed), St("b", <<2, 3>>, Committed) >>

ASSUME ~False!StatusLatticeInv
ASSUME ~False2!StatusLatticeInv
ASSUME ~False3!StatusLatticeInv
ASSUME ~False4!StatusLatticeInv
ASSUME True!StatusLatticeInv
ASSUME True2!StatusLatticeInv
=============================================================================
