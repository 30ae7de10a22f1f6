"""Data in: building the catalog, reading data sets, behavior history, splits, item vectors."""
