"""Offline evaluations that need the NLU (ReDial protocol) — the recommender stays NLU-free."""
