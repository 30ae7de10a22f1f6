"""The learned models: torch modules (MMoE, SASRec), numpy baselines, their configs and
checkpoints; their training lives in recommender/training/."""
