"""The apps' layers beyond Python imports, which ``lint-imports`` checks (``.importlinter``).

An app may also reach a higher one by a string: a model label (``apps.get_model``, a foreign
key written ``"app.Model"``), a dotted path (``import_string``, ``import_module``,
``include``) or a URL name in its code or its templates. None may point up the layers.
"""

import ast
import configparser
import re
from pathlib import Path

from django.apps import apps
from django.urls import get_resolver

ROOT = Path(__file__).resolve().parents[1]
SDSF = ROOT / "sdsf"
MODEL_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
DOTTED_PATHS = {"import_string", "import_module", "__import__", "include"}
URL_NAME = re.compile(r"^([a-z_]+):[a-z_]+$")
TEMPLATE_URL = re.compile(r"""\{%\s*url\s+['"]([a-z_]+):""")


def layer_heights() -> dict[str, int]:
    """Each top-level module of ``sdsf`` and its height in the layers contract (core: 0)."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    rows = [r for r in config["importlinter:contract:layers"]["layers"].splitlines() if r.strip()]
    return {
        name.strip(): height
        for height, row in enumerate(reversed(rows))
        for name in re.split(r"[|:]", row)
    }


def namespace_apps() -> dict[str, str]:
    """Each URL namespace and the top-level module whose URLconf defines it."""
    found = {}
    for namespace, (_, resolver) in get_resolver().namespace_dict.items():
        module = getattr(resolver.urlconf_module, "__name__", "")
        found[namespace] = module.split(".")[1] if module.startswith("sdsf.") else "api"
    return found


def owner(path: Path) -> str:
    """The top-level module of ``sdsf`` a file belongs to (``sdsf/urls.py``: ``urls``)."""
    parts = path.relative_to(SDSF).parts
    return parts[0] if len(parts) > 1 else path.stem


def _app_of_label(label: str) -> str | None:
    config = apps.app_configs.get(label)
    return config.name.split(".")[1] if config and config.name.startswith("sdsf.") else None


def string_targets(tree: ast.AST, namespaces: dict[str, str]):
    """(line, what, target top-level module) of every string reference in a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            text = first.value
            if name == "get_model" or (name in MODEL_FIELDS and "." in text):
                target = _app_of_label(text.split(".")[0])
                if target:
                    yield node.lineno, f"{name}({text!r})", target
            elif name in DOTTED_PATHS and text.startswith("sdsf."):
                yield node.lineno, f"{name}({text!r})", text.split(".")[1]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = URL_NAME.match(node.value)
            if match and match[1] in namespaces:
                yield node.lineno, f"URL name {node.value!r}", namespaces[match[1]]


def upward_references() -> list[str]:
    heights, namespaces = layer_heights(), namespace_apps()
    found = []
    for path in sorted(SDSF.rglob("*")):
        if "migrations" in path.parts or not path.is_file() or owner(path) not in heights:
            continue
        source = owner(path)
        if path.suffix == ".py":
            references = string_targets(ast.parse(path.read_text(encoding="utf-8")), namespaces)
        elif path.suffix in {".html", ".txt"}:
            text = path.read_text(encoding="utf-8")
            references = [
                (text[: m.start()].count("\n") + 1, f"{{% url '{m[1]}:… %}}", namespaces[m[1]])
                for m in TEMPLATE_URL.finditer(text)
                if m[1] in namespaces
            ]
        else:
            continue
        for line, what, target in references:
            if heights.get(target, -1) > heights[source]:
                found.append(f"{path.relative_to(ROOT)}:{line}: {what} → {target}")
    return found


def test_no_app_names_a_higher_one_by_string():
    assert upward_references() == []


def test_the_check_sees_each_kind_of_string_reference():
    """A lower app naming a higher one by model label, dotted path or URL name is found."""
    namespaces = namespace_apps()
    module = ast.parse(
        "apps.get_model('allocation', 'Application')\n"
        "models.ForeignKey('steering.Scheme', on_delete=None)\n"
        "import_string('sdsf.site.demo.load_demo')\n"
        "reverse('proposals:detail', args=[1])\n"
    )
    assert [target for _, _, target in string_targets(module, namespaces)] == [
        "allocation",
        "steering",
        "site",
        "allocation",
    ]
    assert TEMPLATE_URL.search("{% url 'observatory:index' %}")[1] == "observatory"
