"""The ``hypothesis`` entry point: ``st.from_type(vpcsim.Network)`` draws :func:`vpcsim.testing.strategies.networks`.

Hypothesis calls the hook at the end of its own import, so this module imports nothing of hypothesis at its top and
registers a callable: the strategies module (which imports hypothesis) is imported only when a network is drawn.
"""

from __future__ import annotations

from typing import Any

__all__ = ["_hypothesis_setup_hook"]


def _networks(_: type) -> Any:
    from vpcsim.testing.strategies import networks

    return networks()


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    from vpcsim.network import Network

    st.register_type_strategy(Network, _networks)
