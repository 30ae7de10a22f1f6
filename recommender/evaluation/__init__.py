"""Offline evaluation: metrics, full ranking, ranking / task / ReDial protocols, analysis."""
