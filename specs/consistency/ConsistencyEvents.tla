-------------------------- MODULE ConsistencyEvents --------------------------
(***************************************************************************)
(* The vocabulary of client histories (pyccf.formats.history): event      *)
(* types, statuses, and one record shape for every event.  Constant-level, *)
(* so the witness modules can build histories with it.                     *)
(***************************************************************************)
EXTENDS Integers, Sequences

RwReq == "RwTxRequest"
RwResp == "RwTxResponse"
RoReq == "RoTxRequest"
RoResp == "RoTxResponse"
StatusEv == "TxStatusReceived"
Committed == "CommittedStatus"
Invalid == "InvalidStatus"
Pending == "PendingStatus"
Unknown == "UnknownStatus"

NoTxId == <<0, 0>>

\* One event; the fields an event type lacks get neutral values.
Ev(type, tx, client, txid, observed, status) ==
    [type |-> type, tx |-> tx, client |-> client, tx_id |-> txid, observed |-> observed,
     status |-> status]

\* Shorthands for hand-written histories.
RwQ(x, c) == Ev(RwReq, x, c, NoTxId, <<>>, "")
RoQ(x, c) == Ev(RoReq, x, c, NoTxId, <<>>, "")
RwR(x, c, id, obs) == Ev(RwResp, x, c, id, obs, "")
RoR(x, c, id, obs) == Ev(RoResp, x, c, id, obs, "")
St(c, id, st) == Ev(StatusEv, -1, c, id, <<>>, st)

=============================================================================
