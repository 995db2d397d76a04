--------------- MODULE WitnessInvalidNotObservedByCommitted ---------------
\* Non-vacuity of InvalidNotObservedByCommittedInv: no committed transaction observed a write reported Invalid (CCF's defect 1: its version was vacuous, and with only its typo fixed it rejected True).
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* committed 1.2 observed tx 0, whose 1.1 was reported Invalid
False == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 1>>, <<0>>), RwQ(1, "a"), RwR(1, "a", <<1, 2>>, <<0, 1>>),
       St("a", <<1, 1>>, Invalid), St("a", <<1, 2>>, Committed) >>

\* a committed read-only transaction observed it
False2 == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<1, 1>>, <<0>>), St("a", <<1, 1>>, Invalid), RoQ(1, "b"),
       RoR(1, "b", <<1, 2>>, <<0>>), St("b", <<1, 2>>, Committed) >>

\* an Invalid write that the committed one did not observe
True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "a", <<2, 1>>, <<0>>), RwQ(1, "b"), RwR(1, "b", <<2, 2>>, <<0, 1>>),
       RwQ(2, "a"), RwR(2, "a", <<3, 2>>, <<0, 2>>), St("b", <<2, 2>>, Invalid),
       St("a", <<3, 2>>, Committed) >>

ASSUME ~False!InvalidNotObservedByCommittedInv
ASSUME ~False2!InvalidNotObservedByCommittedInv
ASSUME True!InvalidNotObservedByCommittedInv
=============================================================================
