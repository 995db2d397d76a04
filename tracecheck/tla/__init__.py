"""The TLA+ tools driven from Python: Java and jar discovery, processes, SANY, TLC, values, ITF."""
