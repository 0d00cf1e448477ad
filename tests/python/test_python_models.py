"""The dbt Python models in models/ml/: dbt finds their refs and config keys by reading the code.

dbt does not run a Python model to learn what it depends on: it parses the file and collects the
`dbt.ref(...)`, `dbt.source(...)` and `dbt.config.get(...)` calls it can see. A call it misses
(say, one inside `x or 0` or `frame[...]`) is a ref that is not in the DAG and fails at run time,
or a config key that silently reads as None. These tests hold every such call to dbt's own parser.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from dbt.parser.models import PythonParseVisitor

REPO = Path(__file__).resolve().parents[2]
MODELS = sorted((REPO / "models").rglob("*.py"))
DBT_CALLS = {"dbt.ref": "ref", "dbt.source": "source", "dbt.config.get": "get"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _every_dbt_call(tree: ast.AST) -> set[tuple[str, str]]:
    """(function, first argument) of every dbt.ref / dbt.source / dbt.config.get call in the code."""
    return {
        (DBT_CALLS[_dotted(node.func)], ast.literal_eval(node.args[0]))
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _dotted(node.func) in DBT_CALLS
    }


def _seen_by_dbt(tree: ast.AST) -> set[tuple[str, str]]:
    """The same, as dbt's parser collects them (what the compiled model's refs and config hold)."""
    visitor = PythonParseVisitor(None)
    visitor.visit(tree)
    return {(name, args[0]) for name, args, _ in visitor.dbt_function_calls if name in DBT_CALLS.values()}


def test_there_are_python_models():
    assert len(MODELS) >= 10


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_dbt_sees_every_ref_and_config_key(path):
    tree = ast.parse(path.read_text())
    missed = _every_dbt_call(tree) - _seen_by_dbt(tree)
    assert not missed, f"{path.relative_to(REPO)}: dbt's parser does not see {sorted(missed)}"


def test_the_check_catches_a_hidden_config_key():
    tree = ast.parse('def model(dbt, session):\n    k = int(dbt.config.get("forced_k") or 0)\n    return k\n')
    assert _every_dbt_call(tree) == {("get", "forced_k")}
    assert _seen_by_dbt(tree) == set()


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_a_model_file_is_read_call_return(path):
    """The logic lives in customer_journey.ml: a model file only reads, calls and returns."""
    lines = path.read_text().splitlines()
    assert len(lines) <= 40, f"{path.relative_to(REPO)} has {len(lines)} lines"
    functions = [n.name for n in ast.walk(ast.parse("\n".join(lines))) if isinstance(n, ast.FunctionDef)]
    assert functions[0] == "model" and set(functions) <= {"model", "load_features"}


# dbt runs Python models on several threads of one process, so their imports race. scikit-learn's
# circular imports break when two threads import it at once (CI saw "cannot import name
# 'BaseLibSVM' from partially initialized module"). customer_journey.ml imports its third-party
# modules in its own __init__, and a package being initialised makes other threads wait only when
# they import the package itself, so every model imports it before anything else.
RACE = """
import importlib, sys, threading
errors = []
def load(name):
    try:
        import customer_journey.ml  # what each model does first
        importlib.import_module(name)
    except Exception as error:  # reported below, with the module's name
        errors.append(f"{name}: {type(error).__name__}: {error}")
threads = [threading.Thread(target=load, args=(name,)) for name in sys.argv[1:]]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("\\n".join(errors))
sys.exit(1 if errors else 0)
"""


def test_models_import_the_ml_package_before_anything_else():
    for path in MODELS:
        imports = [node for node in ast.parse(path.read_text()).body if isinstance(node, ast.Import | ast.ImportFrom)]
        outside_stdlib = [
            node
            for node in imports
            if not (isinstance(node, ast.ImportFrom) and node.module in {"__future__", "pathlib"})
        ]
        first = outside_stdlib[0]
        assert isinstance(first, ast.Import) and first.names[0].name == "customer_journey.ml", (
            f"{path.relative_to(REPO)}: its first import must be `import customer_journey.ml` "
            f"(line {first.lineno} imports something else first; threads would race on scikit-learn)"
        )


def test_ml_modules_import_on_many_threads_at_once():
    """Without the package's eager imports this failed 13 runs in 15 on this machine; three fresh
    interpreters make a pass by luck unlikely."""
    import subprocess
    import sys

    names = ["features", "segmentation", "prediction", "plots", "registry", "baselines", "funnel"]
    for _ in range(3):
        run = subprocess.run(
            [sys.executable, "-c", RACE, *(f"customer_journey.ml.{name}" for name in names)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout + run.stderr
