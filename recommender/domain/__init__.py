"""What can be recommended: the catalog and the hard constraints on it."""
