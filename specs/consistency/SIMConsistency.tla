---------------------------- MODULE SIMConsistency ----------------------------
(***************************************************************************)
(* Random walks of Consistency.tla (TLC -simulate) that print each history *)
(* once it is HistoryLimit events long, for tracecheck's history files     *)
(* (tracecheck.validation.consistency.simulate): the Python checker and    *)
(* the trace spec must accept every one of them.                           *)
(***************************************************************************)
EXTENDS MCConsistency

\* A constraint that always holds, for its PrintT side effect.
SIMPrintHistory ==
    Len(history) = HistoryLimit => PrintT(<<"sim-history", history>>)

=============================================================================
