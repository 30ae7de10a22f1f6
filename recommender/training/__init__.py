"""Training: the MMoE and SASRec loops, and the conversational ranker's run (settings, example
lists, simulated conversations, the MMoE step, the model card)."""
