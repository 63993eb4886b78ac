"""Errors a user can read and act on.

Every service raises `UserError` (or a subclass) for bad input. It carries one or more
`Problem`s that say what is wrong and where (file, row, column or field), so the CLI, the pages
and the API all show the same clear message.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    message: str
    where: str = ""  # "streets.csv 第 12 行 code 列", "field code", ...

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class UserError(Exception):
    """Bad input: nothing was written. `problems` lists every finding, the first ones first."""

    summary: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.summary)

    def __str__(self) -> str:
        # A problem that only repeats the summary ("退回须说明理由 — 审核意见: 退回须说明理由")
        # is said once.
        listed = [p for p in self.problems if p.message not in self.summary]
        if not listed:
            return self.summary
        shown = "\n".join(f"  - {p}" for p in listed[:20])
        more = len(listed) - 20
        tail = f"\n  ... 另有 {more} 处问题" if more > 0 else ""
        return f"{self.summary}\n{shown}{tail}"


class NotFound(UserError):
    """The thing asked for does not exist, or is outside what the user may see (same message:
    a user must not learn that an out-of-scope record exists)."""


class Forbidden(UserError):
    """The user may not do this (role or region); pages and the API answer 403."""

    @classmethod
    def because(cls, message: str) -> Forbidden:
        return cls(message, [Problem(message, "权限")])
