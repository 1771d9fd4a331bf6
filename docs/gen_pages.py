"""mkdocs hook: the pages that are generated from the code at every build, so none goes stale.

Registered in ``mkdocs.yml`` (``hooks: [docs/gen_pages.py]``); nothing here is written into
``docs/``, the pages exist only in the build:

* ``case-format.md`` — every model of the case file, from ``Case.model_json_schema()`` (its
  descriptions are the pydantic field docstrings): field, type, default, bounds, meaning;
* ``target-kinds.md`` — one section per entry of :data:`gridplan.case.targets.KINDS`: its
  fields, units, default sense, dual unit, its equation (the row of the module's table and the
  measure's docstring) and an example taken verbatim from a shipped case in ``cases/``;
* ``formulation.md`` — one section per constraint-family module, in the order the model
  builds them (``gridplan.model.build.FAMILIES``), each its module docstring via mkdocstrings;
* ``cli.md`` — every command of the ``gridplan`` typer app with its usage, help and options
  (commands added later appear by themselves);
* on ``index.md`` the ``<!-- quickstart -->`` marker becomes the README's two commands.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"
QUICKSTART = "<!-- quickstart -->"


# --------------------------------------------------------------------------- text


def text(doc) -> str:
    """A reST-flavoured docstring fragment as one line of Markdown (for table cells)."""
    if not doc:
        return ""
    doc = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", str(doc))   # :class:`x` → `x`
    doc = re.sub(r"``([^`]+)``", r"`\1`", doc)
    doc = " ".join(doc.split())
    return doc.replace("|", "\\|")


def paragraphs(doc) -> str:
    """A docstring as Markdown paragraphs (roles and ``code`` converted, indentation kept)."""
    doc = inspect.cleandoc(doc or "")
    doc = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", doc)
    return re.sub(r"``([^`]+)``", r"`\1`", doc)


def table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


# --------------------------------------------------------------------------- JSON schema → Markdown

BOUNDS = (("ge", "≥ {}"), ("gt", "> {}"), ("le", "≤ {}"), ("lt", "< {}"),
          ("minimum", "≥ {}"), ("exclusiveMinimum", "> {}"), ("maximum", "≤ {}"),
          ("exclusiveMaximum", "< {}"), ("minLength", "at least {} character(s)"),
          ("maxLength", "at most {} characters"), ("minItems", "at least {} items"))


def ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(s: dict, link) -> str:
    """The type of a JSON-schema property, with links to the sections of referenced models."""
    if "$ref" in s:
        return link(ref_name(s["$ref"]))
    if "const" in s:
        return f"`{s['const']!r}`".replace("'", '"')
    if "enum" in s:
        return " \\| ".join(f"`{v}`" for v in s["enum"])
    if "anyOf" in s or "oneOf" in s:
        parts = [type_of(x, link) for x in s.get("anyOf", s.get("oneOf"))]
        return " or ".join(p for p in parts if p != "null") + (" or null" if "null" in parts else "")
    t = s.get("type")
    if t == "array":
        return f"list of {type_of(s.get('items', {}), link)}"
    if t == "object":
        extra = s.get("additionalProperties")
        return f"map of name → {type_of(extra, link)}" if isinstance(extra, dict) else "mapping"
    if t == "string" and "pattern" in s:
        return "name"
    return {"number": "number", "integer": "whole number", "string": "text", "boolean": "true/false",
            "null": "null"}.get(t, t or "any")


def bounds(s: dict) -> str:
    found = [fmt.format(s[k]) for k, fmt in BOUNDS if k in s]
    for alt in s.get("anyOf", []):
        found += [fmt.format(alt[k]) for k, fmt in BOUNDS if k in alt]
    return ", ".join(found)


def default(s: dict, required: bool) -> str:
    if required:
        return "**required**"
    if "default" not in s:
        return ""
    v = s["default"]
    if isinstance(v, dict):
        return "(see the section)" if v else "`{}`"
    if v is None:
        return "—"
    if isinstance(v, bool):
        return f"`{str(v).lower()}`"
    return f"`{v}`" if v != "" else '`""`'


def fields_table(model: dict, link) -> str:
    required = set(model.get("required", []))
    rows = []
    for name, prop in model.get("properties", {}).items():
        rows.append([f"`{name}`", type_of(prop, link), default(prop, name in required), bounds(prop),
                     text(prop.get("description", ""))])
    return table(["field", "type", "default", "bounds", "meaning"], rows)


def case_format_page() -> str:
    from gridplan.case.schema import Case
    from gridplan.case.targets import KINDS
    schema = Case.model_json_schema()
    defs = schema["$defs"]
    kinds = {k.schema.__name__: name for name, k in KINDS.items()}

    def link(name):
        if name in kinds:
            return f"[{kinds[name]}](target-kinds.md#{kinds[name]})"
        return f"[{name}](#{name.lower()})"

    order, todo = [], [schema]
    while todo:   # the models in the order a reader meets them, breadth first from Case
        for prop in todo.pop(0).get("properties", {}).values():
            for ref in re.findall(r'"\$ref": "#/\$defs/(\w+)"', repr(prop).replace("'", '"')):
                if ref not in order and ref not in kinds:
                    order.append(ref)
                    todo.append(defs[ref])
    order += sorted(n for n in defs if n not in order and n not in kinds)   # used by target kinds only (Source)
    parts = [
        "# The case file",
        "",
        "A case is one YAML file (plus CSV profiles and the technology catalogue it names, by paths",
        "relative to the file). Every mapping forbids unknown keys, so a typo is an error, never",
        "silently ignored. Units are in the field names (MW, MWh, CNY, t, tce). This page is generated",
        "at every build from the pydantic models (`Case.model_json_schema()`; the meanings are the",
        "fields' docstrings), so it lists exactly what the loader accepts; `gridplan schema` writes the",
        "same JSON schema for editor completion.",
        "",
        "The targets are described on their own page: [target kinds](target-kinds.md).",
        "",
        "## Case",
        "",
        "The top level of the file.",
        "",
        fields_table(schema, link),
    ]
    for name in order:
        d = defs[name]
        parts += ["", f"## {name}", ""]
        if d.get("description"):
            parts += [text(d["description"]), ""]
        parts.append(fields_table(d, link))
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- target kinds


def module_table_rows(doc: str) -> dict[str, list[list[str]]]:
    """The rows of the table in ``gridplan.case.targets``' docstring, by kind (a kind may have
    several: ``non_fossil_share, electricity`` and ``non_fossil_share, energy``)."""
    rows: dict[str, list[list[str]]] = {}
    for line in doc.splitlines():
        line = line.strip()
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        kind = cells[0].split(",")[0].strip()
        if kind != "kind":
            rows.setdefault(kind, []).append(cells)
    return rows


def case_examples() -> dict[str, tuple[str, str]]:
    """Kind → (case file, the YAML of its first target of that kind, verbatim with comments).
    Single-city cases come first: their targets are the shortest to read."""
    import yaml
    files = sorted(CASES.glob("*.yaml"), key=lambda p: (p.stem.startswith("sichuan"), p.name))
    found: dict[str, tuple[str, str]] = {}
    for path in files:
        src = path.read_text(encoding="utf-8")
        root = yaml.compose(src)
        for key, value in getattr(root, "value", []):
            if key.value != "targets" or not isinstance(value, yaml.SequenceNode):
                continue
            for item in value.value:
                kind = next((v.value for k, v in item.value if k.value == "kind"), None)
                if kind and kind not in found:
                    start = src.rfind("\n", 0, item.start_mark.index) + 1
                    indent = item.start_mark.index - start
                    body = src[item.start_mark.index:item.end_mark.index].rstrip()
                    lines = body.splitlines()
                    lines = [lines[0]] + [ln[indent:] if ln[:indent].strip() == "" else ln for ln in lines[1:]]
                    while lines and lines[-1].lstrip().startswith("#"):   # the next item's comments
                        lines.pop()
                    found[kind] = (path.name, "- " + "\n  ".join(lines))
    return found


def unit_text(unit, what: str) -> str:
    if callable(unit):
        return f"depends on the target ({what})"
    return f"`{unit}`"


def target_kinds_page() -> str:
    from gridplan.case import targets as tmod
    from gridplan.case.targets import KINDS, ROW_UNITS
    rows = module_table_rows(tmod.__doc__ or "")
    examples = case_examples()
    parts = [
        "# Target kinds",
        "",
        "Every target of a case is one row of the LP, named `target_<id>`, built from its kind's",
        "*measure* `(num, den, value)`: an absolute target reads `num (sense) value`, a share",
        "`num − s·den (sense) 0` with `s` the value after the hedge. This page is generated from",
        "`gridplan.case.targets.KINDS` at every build; the example of each kind is copied from a",
        "shipped case in `cases/`. How to add one: [adding a target kind](adding-a-target-kind.md).",
        "",
        "| kind | unit | row unit | dual reported in | default sense |",
        "|---|---|---|---|---|",
    ]
    for name, k in KINDS.items():
        sense_field = k.schema.model_fields.get("sense")
        sense = sense_field.default if sense_field is not None else k.sense
        dual = f"`{ROW_UNITS[k.row_unit].dual_unit}`" if isinstance(k.row_unit, str) else "by row unit"
        parts.append(f"| [`{name}`](#{name}) | {unit_text(k.unit, 'unit')} | "
                     f"{unit_text(k.row_unit, 'scope')} | {dual} | `{sense}` |")
    parts += ["", "Row units and their duals (the default penalties are in dual units):", "",
              table(["row unit", "dual unit", "dual factor", "strive penalty", "elastic penalty"],
                    [[f"`{u}`", f"`{r.dual_unit}`", f"{r.dual_factor:g}", f"{r.strive_penalty:g}",
                      f"{r.elastic_penalty:g}"] for u, r in ROW_UNITS.items()])]
    for name, k in KINDS.items():
        schema = k.schema.model_json_schema()
        parts += ["", f"## {name}", ""]
        if k.schema.__doc__ and k.schema.__doc__ is not tmod.TargetBase.__doc__:
            parts += [paragraphs(k.schema.__doc__), ""]
        eq = rows.get(name, [])
        if eq:
            parts += ["**Equation** (the module's table: numerator, denominator, row unit, dual):", "",
                      table(["kind", "num", "den", "row unit", "dual reported as"], [[text(c) for c in r] for r in eq]),
                      ""]
        measure_doc = inspect.getdoc(k.measure)
        parts += [f"**Measure** `{k.measure.__name__}(q, t)`" + (": " + text(measure_doc) if measure_doc else
                  f": returns `{_measure_source(k.measure)}`."), ""]
        if k.check is not None:
            parts += [f"**Check** `{k.check.__name__}`: {text(inspect.getdoc(k.check))}", ""]
        parts += ["**Fields**", "", fields_table(schema, lambda n: f"[{n}](case-format.md#{n.lower()})"), ""]
        if name in examples:
            file, snippet = examples[name]
            parts += [f"**Example** (from `cases/{file}`):", "", "```yaml", snippet, "```"]
        else:
            parts += ["No shipped case uses this kind yet."]
    return "\n".join(parts) + "\n"


def _measure_source(fn) -> str:
    """The expression a one-line measure returns (for measures without a docstring)."""
    src = inspect.getsource(fn)
    m = re.search(r"return (.+)", src)
    return " ".join(m.group(1).split()) if m else fn.__name__


# --------------------------------------------------------------------------- formulation


def formulation_page() -> str:
    from gridplan.model import families
    from gridplan.model.build import FAMILIES
    order = list(dict.fromkeys(f.__module__.rsplit(".", 1)[-1] for f in FAMILIES))
    helpers = sorted(m.name for m in pkgutil.iter_modules(families.__path__) if m.name not in order)
    parts = [
        "# The formulation",
        "",
        "One section per constraint family, in the order the model adds them",
        "(`gridplan.model.build.FAMILIES`), then the modules they share. Each section is the",
        "family module's docstring, where its equations live (copied here at every build).",
        "Units: MW, MWh; money in the model's units (kCNY) inside the LP, reported in CNY;",
        "`w_t` are the hours a snapshot stands for.",
    ]
    for name in order + helpers:
        mod = importlib.import_module(f"gridplan.model.families.{name}")
        title = name.replace("_", " ")
        parts += ["", f"## {title}" + ("" if name in order else " (shared)"), "",
                  f"`gridplan.model.families.{name}`", "", paragraphs(mod.__doc__)]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- CLI


def cli_page() -> str:
    import typer
    import typer.main

    import gridplan.cli
    group = typer.main.get_command(gridplan.cli.app)
    root = typer.Context(group, info_name="gridplan")   # typer's own click: its Context, not click's
    parts = ["# Command line", "", paragraphs(group.help), "",
             "Generated at every build from the `gridplan` typer app: every command, its usage and",
             "its options. `gridplan COMMAND --help` prints the same in the terminal.", "",
             table(["command", "what it does"],
                   [[f"[`{n}`](#gridplan-{n})", text((c.help or "").split("\n\n")[0])]
                    for n, c in group.commands.items()])]
    for name, cmd in group.commands.items():
        ctx = typer.Context(cmd, info_name=name, parent=root)
        usage = " ".join(["gridplan", name, *cmd.collect_usage_pieces(ctx)])
        parts += ["", f"## gridplan {name}", "", "```text", usage, "```", "", paragraphs(cmd.help), ""]
        rows = []
        for p in cmd.params:
            if p.name == "help" or getattr(p, "hidden", False):
                continue
            argument = p.param_type_name == "argument"
            kind = "argument" if argument else ("flag" if getattr(p, "is_flag", False) else "option")
            names = f"`{p.name.upper()}`" if argument else ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
            if p.required:
                dflt = "**required**"
            elif p.default in (None, (), [], False) or callable(p.default):
                dflt = ""
            else:
                dflt = f"`{p.default}`"
            rows.append([names, kind, p.display_type(ctx).strip("<>"), dflt, text(getattr(p, "help", "") or "")])
        if rows:
            parts.append(table(["name", "kind", "type", "default", "help"], rows))
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- the hooks

PAGES = {"case-format.md": case_format_page, "target-kinds.md": target_kinds_page,
         "formulation.md": formulation_page, "cli.md": cli_page}


def on_files(files, config):
    from mkdocs.structure.files import File
    for uri, make in PAGES.items():
        if files.get_file_from_path(uri) is not None:   # a stale copy in docs/ must not win
            raise RuntimeError(f"docs/{uri} is generated at build time; delete the file from docs/")
        files.append(File.generated(config, uri, content=make()))
    return files


def readme_quickstart() -> str:
    """The README's first two shell blocks (install and solve; install and test), verbatim."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n.*?```", readme, flags=re.S)[:2]
    if len(blocks) < 2:
        raise RuntimeError("README.md: expected its two quick-start ```bash blocks")
    return ("On a fresh machine (Python ≥ 3.10), solve the five-city 2030 case:\n\n" + blocks[0]
            + "\n\nand run the test suite:\n\n" + blocks[1] + "\n")


DOC = re.compile(r"^<!-- doc: ([\w.]+) -->$", flags=re.M)
"""``<!-- doc: dotted.path -->``: that object's signature and docstring. For objects in
``gridplan.case`` and ``gridplan.model``, which have no ``__init__.py`` (namespace packages) and
which mkdocstrings' static analysis (griffe) therefore does not find; ``:::`` serves the rest."""


def docstring_section(path: str) -> str:
    module, _, name = path.rpartition(".")
    obj = getattr(importlib.import_module(module), name)
    try:
        sig = f"{name}{inspect.signature(obj)}"
    except (TypeError, ValueError):
        sig = name
    return "\n".join([f"### {name}", "", "```python", f"{module}.{sig}", "```", "",
                      paragraphs(inspect.getdoc(obj)), ""])


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri == "index.md":
        if QUICKSTART not in markdown:
            raise RuntimeError(f"docs/index.md: the {QUICKSTART} marker is missing")
        markdown = markdown.replace(QUICKSTART, readme_quickstart())
    return DOC.sub(lambda m: docstring_section(m.group(1)), markdown)
