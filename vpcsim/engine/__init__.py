"""The packet engine: endpoints, rule matching and the scalar walk behind :meth:`vpcsim.Network.trace`."""
