"""Recommending at chat time: candidates, rankers, inputs, diversity, reasons."""
