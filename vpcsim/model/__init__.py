"""The network model: attrs resources, one module per resource family."""
