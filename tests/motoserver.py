"""moto's server mode on the loopback interface, as a real HTTP AWS endpoint for boto3 (no pytest needed).

``moto_server()`` starts ``moto.server.ThreadedMotoServer`` on 127.0.0.1 on a free port and yields its URL;
``moto_session(url)`` gives a ``boto3.Session`` with fake credentials whose every client talks to that URL and
refuses to send a request anywhere else, so nothing built on it can reach the internet::

    with moto_server() as url:
        session = moto_session(url, "us-east-1")
        session.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")

The tests (tests/test_live.py), tests/data/make_moto_export.py and the benchmarks use it.
"""

from __future__ import annotations

import functools
import logging
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["FAKE_CREDENTIALS", "SEED", "moto_server", "moto_session", "nat_in_subnet", "reset"]

SEED = 6  # moto's random ids and addresses: the recorded export and the tests build the same network

# moto accepts any credentials; these are the ones its documentation uses.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@contextmanager
def moto_server(seed: int | None = SEED) -> Iterator[str]:
    """Run a moto server on 127.0.0.1 (a free port the OS picks) while the block runs; yield ``http://127.0.0.1:N``.

    ``seed`` seeds moto's random ids and addresses, so the same calls give the same resources (None: unseeded).
    While it runs, a NAT gateway takes its private address from its subnet, as in AWS (see :func:`nat_in_subnet`).
    """
    from moto.server import ThreadedMotoServer

    access_log = logging.getLogger("werkzeug")  # one line per request otherwise
    level = access_log.level
    access_log.setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    with nat_in_subnet():
        server.start()
        try:
            host, port = server.get_host_and_port()
            url = f"http://{host}:{port}"
            if seed is not None:
                _post(f"{url}/moto-api/seed?a={seed}")
            yield url
        finally:
            server.stop()
            access_log.setLevel(level)


@contextmanager
def nat_in_subnet() -> Iterator[None]:
    """moto (5.x) gives a NAT gateway a random 10.x.x.x private address, outside its subnet; AWS takes one from the
    subnet. The server runs in this process, so its NAT gateways draw from the subnet while the block runs."""
    from moto.ec2.models import nat_gateways

    draw = nat_gateways.random_private_ip
    nat_gateways.random_private_ip = lambda *args, **kwargs: None  # the ENI then draws from its subnet
    try:
        yield
    finally:
        nat_gateways.random_private_ip = draw


def _post(url: str) -> None:
    with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=30):
        pass


def reset(url: str) -> None:
    """Forget every resource the server holds (moto's ``/moto-api/reset``)."""
    _post(f"{url}/moto-api/reset")


@functools.cache
def _loader() -> Any:
    import botocore.loaders

    return botocore.loaders.create_loader()


def moto_session(url: str, region: str = "us-east-1") -> Any:
    """A ``boto3.Session`` (fake credentials, ``region``) whose clients all use ``url``; a request to any other
    address raises ``RuntimeError`` before it is sent."""
    import boto3
    import botocore.session

    class LoopbackSession(boto3.Session):  # type: ignore[misc]
        def client(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("endpoint_url", url)
            return super().client(*args, **kwargs)

        def resource(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("endpoint_url", url)
            return super().resource(*args, **kwargs)

    core = botocore.session.get_session()
    core.register_component("data_loader", _loader())  # parse the service models once per process, not per session
    session = LoopbackSession(
        botocore_session=core,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
        region_name=region,
    )

    def loopback_only(request: Any, **_: Any) -> None:
        if not request.url.startswith(url + "/") and request.url != url:
            raise RuntimeError(f"refusing to send a request off the loopback moto server: {request.url}")

    session.events.register("before-send", loopback_only)
    return session
