"""CCF's consensus as a pure, deterministic state machine: messages and ticks in, messages out."""
