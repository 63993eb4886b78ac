"""The registry import: the national system's export layout (one row per member) or our own
template. `checking` checks a stored file into its staging file and issues; `writing` commits a
checked batch; `rows` is the rule book of one row and `vocabulary` the file's columns and labels.
"""

from __future__ import annotations

from xiezuo.registry.checking import parse_batch
from xiezuo.registry.writing import commit_batch

KIND = "registry"

__all__ = ["KIND", "commit_batch", "parse_batch"]
