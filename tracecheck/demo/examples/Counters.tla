---------------------------- MODULE Counters ----------------------------
(* A tiny example that passes: N counters, each counting up to Max.     *)
(* tracecheck's demo and tests model-check it.                          *)
EXTENDS Naturals

CONSTANTS N, Max

VARIABLES count

Procs == 1..N

TypeOK == count \in [Procs -> 0..Max]

Init == count = [p \in Procs |-> 0]

Incr(p) == /\ count[p] < Max
           /\ count' = [count EXCEPT ![p] = @ + 1]

Reset == /\ \A p \in Procs : count[p] = Max
         /\ count' = [p \in Procs |-> 0]

Next == Reset \/ \E p \in Procs : Incr(p)

Spec == Init /\ [][Next]_count /\ WF_count(Next)

\* Every counter eventually comes back to zero.
BackToZero == \A p \in Procs : []<>(count[p] = 0)
=============================================================================
