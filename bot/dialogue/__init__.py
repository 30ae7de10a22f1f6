"""One turn of a conversation: the agent, the session state, the interest vector, the policy, the
replies.
"""
