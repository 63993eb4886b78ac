"""An indicator's source: arithmetic over measure names (`placements_stable / placements`).

Parsed with Python's own parser and walked by hand — only numbers, measure names, + − × ÷ and
brackets are accepted, so a formula can never run code. A name that is not a measure is refused
when the system is saved, naming the indicator, not when a run meets it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from xiezuo.core.errors import UserError

_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def parse(text: str, *, where: str) -> ast.expr:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise UserError(f"{where}：计算公式“{text}”写法有误") from exc
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.Name, ast.Load, ast.USub, *_OPS)):
            continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, _OPS):
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            continue
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            continue
        raise UserError(f"{where}：计算公式“{text}”只能含数据项名称、数字、+ - * / 和括号")
    return tree.body


def names(text: str, *, where: str) -> list[str]:
    return sorted({n.id for n in ast.walk(parse(text, where=where)) if isinstance(n, ast.Name)})


def check(text: str, known: Mapping[str, object], *, where: str) -> None:
    unknown = [n for n in names(text, where=where) if n not in known]
    if unknown:
        raise UserError(
            f"{where}：计算公式“{text}”中的 {'、'.join(unknown)} 不是可用的数据项"
            f"（可用：{'、'.join(sorted(known))}）"
        )


def evaluate(text: str, values: Mapping[str, float | None]) -> float | None:
    """The value, or None when a measure it needs is missing or it divides by zero."""

    def walk(node: ast.expr) -> float | None:
        if isinstance(node, ast.Constant):
            return float(node.value)  # type: ignore[arg-type]  # parse admits int and float only
        if isinstance(node, ast.Name):
            return values.get(node.id)
        if isinstance(node, ast.UnaryOp):
            inner = walk(node.operand)
            return None if inner is None else -inner
        assert isinstance(node, ast.BinOp)
        left, right = walk(node.left), walk(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return None if right == 0 else left / right

    return walk(parse(text, where="公式"))
