"""Errors raised by vpcsim.

A dropped packet is data (a disposition), never an exception. An invalid operation is an exception: an
:class:`AwsError` carrying the AWS error code users know (SPEC X), raised before anything changes.
"""

from __future__ import annotations

__all__ = ["AwsError", "ImportFormatError", "InvalidEndpointError", "InvalidFlowError", "VpcsimError"]


class VpcsimError(Exception):
    """Base class of every error vpcsim raises on purpose."""


class AwsError(VpcsimError, ValueError):
    """An operation AWS would refuse, with AWS's error code (SPEC X).

    It is a :class:`ValueError`, so callers that catch bad values catch it too. The network is unchanged
    when it is raised.

    Parameters
    ----------
    code : str
        The EC2 API error code, e.g. ``"InvalidSubnet.Range"``.
    message : str
        What was wrong, naming the offending value.

    Examples
    --------
    >>> err = AwsError("InvalidVpc.Range", "The CIDR '10.0.0.0/8' is invalid.")
    >>> err.code
    'InvalidVpc.Range'
    >>> str(err)
    "InvalidVpc.Range: The CIDR '10.0.0.0/8' is invalid."
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[AwsError], tuple[str, str]]:
        return (type(self), (self.code, self.message))


class InvalidEndpointError(VpcsimError, ValueError):
    """A flow endpoint that names nothing in the network, more than one thing, or something that cannot send."""


class InvalidFlowError(VpcsimError, ValueError):
    """A flow that cannot exist: an unknown protocol, a port out of range, ports on a protocol without them."""


class ImportFormatError(VpcsimError, ValueError):
    """An export that cannot be loaded: broken JSON, or a value of the wrong shape, named by file and JSON path.

    Parameters
    ----------
    file : str
        The file (or ``"<mapping>"`` for data given in memory) the value came from.
    path : str
        The JSON path of the offending value, e.g. ``"$.Subnets[3].CidrBlock"``.
    message : str
        What was wrong with it.

    Examples
    --------
    >>> err = ImportFormatError("Subnets.json", "$.Subnets[0].CidrBlock", "'10.0.0/24' is not a CIDR block")
    >>> str(err)
    "Subnets.json: $.Subnets[0].CidrBlock: '10.0.0/24' is not a CIDR block"
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, file: str, path: str, message: str) -> None:
        super().__init__(f"{file}: {path}: {message}")
        self.file = file
        self.path = path
        self.message = message

    def __reduce__(self) -> tuple[type[ImportFormatError], tuple[str, str, str]]:
        return (type(self), (self.file, self.path, self.message))
