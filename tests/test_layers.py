"""The layer rules of docs/ARCHITECTURE.md, read from every module's imports with `ast`.

Every import counts: at the top of a module, inside a function, under `if TYPE_CHECKING`. An
import inside a function is only for an optional or heavy dependency and says so in a comment
(`# heavy: ...` / `# optional: ...`); it can never hide a cycle, since the cycle check reads it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "nlu", "recommender")
# what a channel may use of `bot`: errors, the agent's public types, the reply renderers, the
# speech stack (voice channels), other channel modules
CHANNEL_ALLOWED = ("bot.errors", "bot.dialogue.agent", "bot.dialogue.replies", "bot.voice",
                   "bot.channels")
LAZY_COMMENT = re.compile(r"#.*\b(heavy|optional)\b", re.IGNORECASE)


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules(root: Path) -> dict[str, Path]:
    return {module_name(p, root): p for package in PACKAGES
            for p in sorted((root / package).rglob("*.py"))}


def imported_names(node: ast.Import | ast.ImportFrom, module: str, is_package: bool
                   ) -> list[str]:
    """Every dotted name an import statement may load (`from a import b` → a, a.b)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: resolved against the importing module's package
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[:len(package) - (node.level - 1)]
        base = ".".join(package + ([base] if base else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module a dotted name loads: itself, or the nearest parent package."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph(root: Path) -> tuple[dict[str, set[str]], list[tuple[str, int, str]]]:
    """(module → project modules it imports, [(module, line, text) of unmarked lazy imports])."""
    modules = project_modules(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    unmarked = []
    for name, path in modules.items():
        source = path.read_text()
        lines = source.splitlines()
        tree = ast.parse(source)
        nested = set()
        for func in ast.walk(tree):
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                nested.update(id(n) for n in ast.walk(func)
                              if isinstance(n, (ast.Import, ast.ImportFrom)))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            targets = {resolve(n, modules) for n in
                       imported_names(node, name, path.name == "__init__.py")}
            # `from a import b`: the module a is loaded too, but only b matters when b is one
            found = {t for t in targets if t and t != name}
            specific = {t for t in found if not any(o.startswith(t + ".") for o in found)}
            graph[name] |= specific
            if id(node) in nested:
                statement = lines[node.lineno - 2:node.end_lineno]  # the line above, too
                if not any(LAZY_COMMENT.search(line) for line in statement):
                    unmarked.append((name, node.lineno, lines[node.lineno - 1].strip()))
    return graph, unmarked


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def violations(root: Path) -> list[str]:
    """Every broken layer rule, as a sentence naming the modules."""
    graph, unmarked = import_graph(root)
    found = [f"import cycle: {' ↔ '.join(c)}" for c in find_cycles(graph)]

    def under(module: str, package: str) -> bool:
        return module == package or module.startswith(package + ".")

    for module, imports in sorted(graph.items()):
        for target in sorted(imports):
            if under(module, "recommender") and (under(target, "nlu") or under(target, "bot")):
                found.append(f"{module} imports {target}: the recommender knows no NLU or bot")
            if under(module, "nlu") and under(target, "bot"):
                found.append(f"{module} imports {target}: the NLU knows no bot")
            if under(module, "recommender.models") and any(
                    under(target, f"recommender.{stage}")
                    for stage in ("serving", "training", "evaluation")):
                found.append(f"{module} imports {target}: models are modules and configs only")
            if (under(module, "bot.channels") and under(target, "bot")
                    and not any(under(target, ok) for ok in CHANNEL_ALLOWED)):
                found.append(f"{module} imports {target}: a channel uses only "
                             f"{', '.join(CHANNEL_ALLOWED)}")
    found += [f"{module}:{line} imports inside a function without saying why "
              f"(# heavy: ... or # optional: ...): {text}" for module, line, text in unmarked]
    return found


def test_the_project_keeps_its_layers():
    assert violations(ROOT) == []


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for package in PACKAGES:
        (root / package).mkdir(exist_ok=True)
    return root


@pytest.mark.parametrize("files, expected", [
    ({"bot/a.py": "from bot.b import x\n",
      "bot/b.py": "def f():\n    from bot.a import y  # heavy: hidden cycle\n"},
     "import cycle: bot.a ↔ bot.b"),
    ({"recommender/serving/r.py": "import nlu.parse\n", "nlu/parse.py": ""},
     "recommender.serving.r imports nlu.parse"),
    ({"nlu/p.py": "from bot.dialogue import agent\n", "bot/dialogue/agent.py": "",
      "bot/dialogue/__init__.py": ""},
     "nlu.p imports bot.dialogue.agent"),
    ({"recommender/models/m.py": "from recommender.serving.s import f\n",
      "recommender/serving/s.py": ""},
     "recommender.models.m imports recommender.serving.s"),
    ({"bot/channels/c.py": "from bot.stores.sqlite import SessionStore\n",
      "bot/stores/sqlite.py": ""},
     "bot.channels.c imports bot.stores.sqlite"),
    ({"bot/cli.py": "def main():\n    import json\n"},
     "bot.cli:2 imports inside a function without saying why"),
])
def test_a_forbidden_import_is_caught(tmp_path, files, expected):
    found = violations(write(tmp_path, files))
    assert any(v.startswith(expected) for v in found), found


def test_allowed_imports_pass(tmp_path):
    root = write(tmp_path, {
        "bot/channels/rest.py": "from bot.errors import InputError\n"
                                "from bot.dialogue.replies import Reply\n",
        "bot/errors.py": "", "bot/dialogue/replies.py": "", "bot/dialogue/__init__.py": "",
        "recommender/serving/s.py": "from recommender.models.m import f\n",
        "recommender/models/m.py": "def f():\n    import torch  # heavy: only when training\n",
    })
    assert violations(root) == []
