"""Everything that drives the consensus core: CCF's scenario driver, the network, traces, random runs."""
