"""The adapter for CCF's raft_trace format and specs/consensus: reader, generated module, comparison."""
