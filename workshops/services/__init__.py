"""Every state change of the domain, one function each, split by noun.

Views, the WebSocket consumer, admin actions and management commands call these; none
of them writes a model directly.
"""
