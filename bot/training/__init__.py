"""What `convrec train` runs beyond the NLU: the conversational ranker and its dialogue lists."""
