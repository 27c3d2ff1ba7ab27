"""Size limits on the product code (issue 19): no module over 400 lines, no function over 80.

Today's offenders are listed with their size: none may grow, none may join, and an entry must be removed
once its file or function is back under the limit (so the list only shrinks; lower a size when you shrink
one). Sizes are read with ast.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("slopradar", "connectors", "analysis", "dashboard", "bot")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 80

# path -> lines today; split by responsibility, then lower or remove the entry
FILES_OVER: dict[str, int] = {}
# "path:qualified name" -> lines today
FUNCTIONS_OVER: dict[str, int] = {}


def product_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _functions(tree: ast.AST, prefix: str = "") -> list[tuple[str, int]]:
    """(qualified name, lines) of every function and method, nested ones included."""
    found = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = prefix + node.name
            found.append((name, node.end_lineno - node.lineno + 1))  # type: ignore[operator]
            found += _functions(node, name + ".")
        elif isinstance(node, ast.ClassDef):
            found += _functions(node, prefix + node.name + ".")
        else:
            found += _functions(node, prefix)
    return found


def measure() -> tuple[dict[str, int], dict[str, int]]:
    """Files over MAX_FILE_LINES and functions over MAX_FUNCTION_LINES, with their sizes."""
    files, functions = {}, {}
    for path in product_files():
        rel = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MAX_FILE_LINES:
            files[rel] = lines
        for name, n in _functions(ast.parse(source, filename=rel)):
            if n > MAX_FUNCTION_LINES:
                functions[f"{rel}:{name}"] = n
    return files, functions


def _check(found: dict[str, int], allowed: dict[str, int], limit: int, what: str) -> list[str]:
    problems = [f"{k}: {n} lines, over the {limit}-line limit (split it by responsibility)"
                for k, n in found.items() if k not in allowed]
    problems += [f"{k}: grew to {found[k]} lines (allowed {allowed[k]} until it is split)"
                 for k in allowed if k in found and found[k] > allowed[k]]
    problems += [f"{k}: now under the limit: remove its entry from {what}" for k in allowed if k not in found]
    return problems


def test_product_packages_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in product_files()}
    assert {"slopradar/cli.py", "connectors/base.py", "analysis/facts.py", "bot/service.py"} <= names
    assert any(n.startswith("dashboard/") for n in names)


def test_no_module_over_400_lines_beyond_the_allow_list():
    files, _ = measure()
    assert _check(files, FILES_OVER, MAX_FILE_LINES, "FILES_OVER") == []


def test_no_function_over_80_lines_beyond_the_allow_list():
    _, functions = measure()
    assert _check(functions, FUNCTIONS_OVER, MAX_FUNCTION_LINES, "FUNCTIONS_OVER") == []


def test_the_check_sees_a_long_function_and_its_nesting():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES + 5))
    tree = ast.parse(f"class A:\n  def long(self):\n{body}\n    def inner():\n        pass\n")
    sizes = dict(_functions(tree))
    assert sizes["A.long"] > MAX_FUNCTION_LINES
    assert sizes["A.long.inner"] == 2
    assert _check({"m.py:A.long": sizes["A.long"]}, {}, MAX_FUNCTION_LINES, "FUNCTIONS_OVER")
