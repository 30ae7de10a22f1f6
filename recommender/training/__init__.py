"""Training the conversational ranker: example lists, simulated conversations."""
