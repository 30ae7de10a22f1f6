"""The HTTP server: the ASGI app that mounts the channels, errors, admin, security, batching,
the turn gate, workers.
"""
