------------------ MODULE WitnessResponseFollowsRequest -------------------
\* Non-vacuity of ResponseFollowsRequestInv: every response answers an earlier request of its kind from its client.
\* Each history below is named for the invariant's value on it (checked by TLC's ASSUMEs).
EXTENDS ConsistencyEvents

\* a response before its request
False == INSTANCE ConsistencyProperties WITH history <-
    << RwR(0, "a", <<2, 1>>, <<0>>), RwQ(0, "a") >>

\* a response to another client's request
False2 == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RwR(0, "b", <<2, 1>>, <<0>>) >>

\* a read-only response to a read-write request
False3 == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RoR(0, "a", <<2, 1>>, <<0>>) >>

True == INSTANCE ConsistencyProperties WITH history <-
    << RwQ(0, "a"), RoQ(1, "b"), RoR(1, "b", <<2, 1>>, <<>>), RwR(0, "a", <<2, 2>>, <<0>>) >>

ASSUME ~False!ResponseFollowsRequestInv
ASSUME ~False2!ResponseFollowsRequestInv
ASSUME ~False3!ResponseFollowsRequestInv
ASSUME True!ResponseFollowsRequestInv
=============================================================================
