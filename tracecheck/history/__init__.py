"""Client histories and the fast consistency checker (to come)."""
