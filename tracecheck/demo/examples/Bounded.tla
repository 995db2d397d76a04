----------------------------- MODULE Bounded -----------------------------
(* A tiny example that fails: two counters whose sum should stay below  *)
(* Limit, which it does not. TLC finds the shortest counterexample.     *)
EXTENDS Naturals

CONSTANT Limit

VARIABLES a, b

Init == a = 0 /\ b = 0

IncA == a' = a + 1 /\ UNCHANGED b
IncB == b' = b + 1 /\ UNCHANGED a

Next == IncA \/ IncB

Spec == Init /\ [][Next]_<<a, b>>

SumBelowLimit == a + b < Limit
=============================================================================
