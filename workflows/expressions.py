"""The whitelist every BPMN condition, script and timer expression must pass at load.

SpiffWorkflow evaluates them with plain `eval`/`exec`, which no sandbox makes safe; so a diagram is
treated as code and only a tiny, readable subset of Python is accepted: task data names, literals,
comparisons, arithmetic, subscripts, and calls of the functions in `script_env`. No attribute
access at all (that is how every escape from `eval` starts), no imports, no definitions.
"""

from __future__ import annotations

import ast
import builtins

from .script_env import FUNCTION_NAMES

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression, ast.Module, ast.Expr, ast.Assign, ast.Name, ast.Load, ast.Store, ast.Constant,
    ast.Subscript, ast.Tuple, ast.List, ast.Dict, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not,
    ast.USub, ast.UAdd, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is,
    ast.IsNot, ast.IfExp, ast.Call, ast.keyword,
)
_BUILTIN_NAMES = frozenset(dir(builtins))


class ForbiddenExpression(ValueError):
    """An expression uses something outside the whitelist; the message says what."""


def check(source: str, mode: str = "eval") -> None:
    """Raise ForbiddenExpression unless `source` only uses the whitelisted subset ('eval' or 'exec')."""
    try:
        tree = ast.parse(source.strip(), mode=mode)
    except SyntaxError as exc:
        raise ForbiddenExpression(f"not valid Python: {exc.msg}") from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ForbiddenExpression(f"{type(node).__name__} is not allowed in a process expression")
        if isinstance(node, ast.Name):
            _check_name(node)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTION_NAMES:
                shown = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise ForbiddenExpression(f"call of {shown!r}: only {sorted(FUNCTION_NAMES)} may be called")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if not isinstance(target, ast.Name | ast.Subscript):
                    raise ForbiddenExpression("only names and subscripts may be assigned")
        elif isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            raise ForbiddenExpression("bytes literals are not allowed")


def _check_name(node: ast.Name) -> None:
    name = node.id
    if name.startswith("_"):
        raise ForbiddenExpression(f"name {name!r}: names starting with '_' are not allowed")
    if isinstance(node.ctx, ast.Store) and name in FUNCTION_NAMES:
        raise ForbiddenExpression(f"name {name!r} is a function and cannot be assigned")
    if name in _BUILTIN_NAMES and name not in FUNCTION_NAMES and name not in ("True", "False", "None"):
        raise ForbiddenExpression(f"name {name!r} is a Python built-in and not allowed")
