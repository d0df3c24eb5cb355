"""Finds, in Python sources, the constructs that fail silently on one FastAPI/pydantic generation:

- ``Annotated[...]`` (FastAPI < 0.95 reads an Annotated dependency as a required query parameter);
- a ``lifespan=`` keyword argument (FastAPI < 0.95 ignores it);
- ``model_config`` assigned in a class body (pydantic 1 ignores it);
- an import of ``pydantic_settings`` (absent where pydantic 1 is).

Reads the code with ``ast``, so words in comments and docstrings do not count. Usage:
``python3 static_traps.py FILE...``; prints one JSON list of findings ``{"file", "line", "trap"}``.
"""

import ast
import json
import sys


def findings(path: str, source: str) -> list:
    found = []
    tree = ast.parse(source, filename=path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            target = node.value
            name = target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else None
            if name == "Annotated":
                found.append({"file": path, "line": node.lineno, "trap": "Annotated["})
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "lifespan":
                    found.append({"file": path, "line": node.lineno, "trap": "lifespan="})
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                targets = []
                if isinstance(statement, ast.Assign):
                    targets = statement.targets
                elif isinstance(statement, ast.AnnAssign):
                    targets = [statement.target]
                for target in targets:
                    if isinstance(target, ast.Name) and target.id == "model_config":
                        found.append({"file": path, "line": statement.lineno, "trap": "model_config"})
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "pydantic_settings":
                    found.append({"file": path, "line": node.lineno, "trap": "pydantic_settings"})
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] == "pydantic_settings":
                found.append({"file": path, "line": node.lineno, "trap": "pydantic_settings"})
    return found


def main(paths: list) -> None:
    result = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            result.extend(findings(path, handle.read()))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
