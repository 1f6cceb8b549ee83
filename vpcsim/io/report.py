"""What an import could not take as it was: every dropped key, resource or value, with its file and JSON path."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KINDS", "LoadReport", "LoadWarning"]

# What a warning can say about the input; each names what happened to the data.
KINDS = {
    "unknown-key": "a key vpcsim does not know; its value was not read",
    "unsupported-resource": "a resource vpcsim does not model; it was not loaded",
    "unsupported-value": "a value vpcsim does not model (a route target, a protocol, ...); that item was not loaded",
    "dangling-reference": "a reference to a resource that is not in the export; what depends on it was adapted",
    "derived": "a value vpcsim recomputes from the rest of the export disagrees with the exported one",
    "partial": "loaded, but part of its behaviour is not modelled",
    "inactive": "a resource in a state that carries no traffic (deleted, failed, terminated, ...); not loaded",
    "duplicate": "the same id twice with different contents; the first was kept",
}


@attrs.frozen
class LoadWarning:
    """One thing the import could not take as it was.

    ``file`` is the file it came from (``"<mapping>"`` for data in memory), ``path`` the JSON path in it, ``kind``
    one of :data:`KINDS`, ``message`` what happened, ``resource`` the id of the resource concerned (if any).
    """

    file: str
    path: str
    kind: str
    message: str
    resource: str | None = None

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: [{self.kind}] {self.message}"


@attrs.define
class LoadReport:
    """The warnings of one import, in input order; empty when everything in the input was modelled.

    Examples
    --------
    >>> report = LoadReport()
    >>> report.add("a.json", "$.Foo", "unknown-key", "'Foo' is not a describe-* key")
    >>> len(report), report.kinds()
    (1, {'unknown-key': 1})
    >>> print(report)
    1 warning
      a.json: $.Foo: [unknown-key] 'Foo' is not a describe-* key
    """

    warnings: list[LoadWarning] = attrs.field(factory=list)
    sources: list[str] = attrs.field(factory=list)

    def add(self, file: str, path: str, kind: str, message: str, resource: str | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"Unknown warning kind {kind!r}: one of {', '.join(KINDS)}.")
        self.warnings.append(LoadWarning(file, path, kind, message, resource))

    def __iter__(self) -> Iterator[LoadWarning]:
        return iter(self.warnings)

    def __len__(self) -> int:
        return len(self.warnings)

    def __bool__(self) -> bool:
        return bool(self.warnings)

    def kinds(self) -> dict[str, int]:
        """Warning counts by kind."""
        return dict(Counter(w.kind for w in self.warnings))

    def of(self, kind: str | None = None, resource: str | None = None) -> list[LoadWarning]:
        """The warnings of one kind and/or about one resource id."""
        return [
            w
            for w in self.warnings
            if (kind is None or w.kind == kind) and (resource is None or w.resource == resource)
        ]

    def frame(self) -> pd.DataFrame:
        """A pandas DataFrame: file, path, kind, resource, message."""
        import pandas as pd

        columns = ["file", "path", "kind", "resource", "message"]
        return pd.DataFrame([[getattr(w, c) for c in columns] for w in self.warnings], columns=columns)

    def __str__(self) -> str:
        head = f"{len(self.warnings)} warning{'' if len(self.warnings) == 1 else 's'}"
        return "\n".join([head, *(f"  {w}" for w in self.warnings)])

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(str(v or ''))}</td>" for v in (w.kind, w.resource, w.file, w.path))
            + f"<td>{html.escape(w.message)}</td></tr>"
            for w in self.warnings
        )
        head = "".join(f"<th>{c}</th>" for c in ("kind", "resource", "file", "path", "message"))
        return (
            f"<p>Load report: {len(self.warnings)} warnings</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        )
