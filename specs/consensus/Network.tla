------------------------------- MODULE Network -------------------------------
(***************************************************************************)
(* The network between CCF nodes, with selectable guarantees.              *)
(*                                                                         *)
(* Guarantee is one of                                                     *)
(*   "OrderedNoDup"   - per (source, dest) FIFO channel, no duplication    *)
(*                      (CCF's node-to-node TCP channels);                 *)
(*   "Ordered"        - FIFO, and a delivered message may be delivered     *)
(*                      again until it is lost;                            *)
(*   "ReorderedNoDup" - any in-flight message may be delivered next, each  *)
(*                      at most once (what CCF sees across reconnections); *)
(*   "Reordered"      - reordering and duplication.                        *)
(* Loss of any in-flight message is a separate step (Lose), in every mode. *)
(*                                                                         *)
(* Representation: with an ordered guarantee, `messages` maps each pair    *)
(* <<source, dest>> to a sequence; otherwise it is a set of messages       *)
(* (identical messages in flight at once are indistinguishable in CCF,     *)
(* whose messages carry no identity).  Every message is a record with at   *)
(* least the fields `source` and `dest`.                                   *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS Servers, Guarantee

VARIABLE messages

Guarantees == {"OrderedNoDup", "Ordered", "ReorderedNoDup", "Reordered"}
ASSUME Guarantee \in Guarantees

IsOrdered == Guarantee \in {"OrderedNoDup", "Ordered"}
Duplicates == Guarantee \in {"Ordered", "Reordered"}

Channels == Servers \X Servers

InitMessages ==
    IF IsOrdered THEN [p \in Channels |-> <<>>] ELSE {}

\* Elements of a sequence.
SeqRange(s) == {s[k] : k \in DOMAIN s}

\* All messages in flight.
Messages ==
    IF IsOrdered THEN UNION {SeqRange(messages[p]) : p \in Channels} ELSE messages

\* The messages that may be received next: the head of each channel if ordered.
Deliverable ==
    IF IsOrdered
    THEN {messages[p][1] : p \in {q \in Channels : messages[q] /= <<>>}}
    ELSE messages

\* Number of messages in flight (for state constraints).
InFlight ==
    IF IsOrdered
    THEN LET RECURSIVE Sum(_)
             Sum(S) == IF S = {} THEN 0
                       ELSE LET p == CHOOSE x \in S : TRUE
                            IN Len(messages[p]) + Sum(S \ {p})
         IN Sum(Channels)
    ELSE Cardinality(messages)

\* Removes the first occurrence of m from the sequence s.
RemoveFirst(s, m) ==
    LET k == CHOOSE x \in DOMAIN s : s[x] = m /\ \A y \in 1..(x - 1) : s[y] /= m
    IN SubSeq(s, 1, k - 1) \o SubSeq(s, k + 1, Len(s))

\* The network after sending m.
WithMessage(m, msgs) ==
    IF IsOrdered
    THEN [msgs EXCEPT ![<<m.source, m.dest>>] = Append(@, m)]
    ELSE msgs \cup {m}

\* The network after m is taken out of it.
WithoutMessage(m, msgs) ==
    IF IsOrdered
    THEN [msgs EXCEPT ![<<m.source, m.dest>>] = RemoveFirst(@, m)]
    ELSE msgs \ {m}

\* The network after m is received: with duplication it stays deliverable.
Consumed(m, msgs) ==
    IF Duplicates THEN msgs ELSE WithoutMessage(m, msgs)

\* The network after sending every message in the set ms (one step).
RECURSIVE WithMessages(_, _)
WithMessages(ms, msgs) ==
    IF ms = {} THEN msgs
    ELSE LET m == CHOOSE x \in ms : TRUE
         IN WithMessages(ms \ {m}, WithMessage(m, msgs))

\* Actions on the network variable.
Send(m) == messages' = WithMessage(m, messages)
Receive(m) == messages' = Consumed(m, messages)
Reply(response, request) == messages' = WithMessage(response, Consumed(request, messages))
Lose(m) == messages' = WithoutMessage(m, messages)

=============================================================================
