"""The learned models: torch modules (MMoE, SASRec), numpy baselines, and their configs."""
