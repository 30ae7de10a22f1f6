"""Speech in and out, offline: the recogniser, its language model, spoken replies."""
