"""A simulated trusted execution environment: attestation of nodes (to come)."""
