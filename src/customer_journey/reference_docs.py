"""Reference pages generated from the project's YAML, so no hand copy can drift.

    python -m customer_journey.reference_docs            write docs/reference/*.md  (make reference-docs)
    python -m customer_journey.reference_docs --check    exit 1 naming each stale page (make lint)

- docs/reference/vars.md: every var of dbt_project.yml, its default as written and the comment
  above it, grouped as the file groups them (a `# group` line followed by indented `#   ` comments).
- docs/reference/raw_contract.md: every table and column of models/staging/raw/_raw__sources.yml
  (the contract the build itself reads): required or not, type, description.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_FILE = Path("dbt_project.yml")
SOURCES_FILE = Path("models/staging/raw/_raw__sources.yml")
VARS_PAGE = Path("docs/reference/vars.md")
CONTRACT_PAGE = Path("docs/reference/raw_contract.md")
GENERATED_FROM = {VARS_PAGE: PROJECT_FILE, CONTRACT_PAGE: SOURCES_FILE}
REGENERATE = "`make reference-docs` (`python -m customer_journey.reference_docs`)"

_VAR_LINE = re.compile(r"^(?P<indent> +)(?P<name>[A-Za-z_][A-Za-z0-9_]*):(?P<value>.*)$")
_COMMENT_LINE = re.compile(r"^(?P<indent> +)#(?P<pad> *)(?P<text>.*)$")


@dataclass
class VarEntry:
    """One comment block and the vars that follow it (several vars may share one comment)."""

    comment: list[tuple[int, str]]  # (spaces after '#', text) per line
    names: list[str] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)


@dataclass
class VarGroup:
    title: str | None
    entries: list[VarEntry] = field(default_factory=list)


def _vars_block(text: str) -> list[str]:
    """The lines of the top-level `vars:` mapping of dbt_project.yml."""
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if re.match(r"^vars:\s*$", line))
    except StopIteration:
        raise ValueError(f"{PROJECT_FILE}: no top-level 'vars:' mapping") from None
    block = []
    for line in lines[start + 1 :]:
        if line and not line[0].isspace():
            break
        block.append(line)
    return block


def _default_text(first: str, continuation: list[str]) -> str:
    """The default as written in the file, on one line (a quoted scalar loses its quotes)."""
    value = " ".join([first.strip(), *(c.strip() for c in continuation)]).strip()
    value = re.sub(r"\s+", " ", value)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value


def parse_vars(text: str) -> list[VarGroup]:
    """Vars in file order, with their comments and groups. Fails naming any var it could not place."""
    block = _vars_block(text)
    var_indent = min((len(m["indent"]) for line in block if (m := _VAR_LINE.match(line))), default=2)
    entries: list[VarEntry] = []
    pending: list[tuple[int, str]] = []
    current: VarEntry | None = None
    i = 0
    while i < len(block):
        line = block[i]
        comment = _COMMENT_LINE.match(line)
        var = _VAR_LINE.match(line)
        if comment and len(comment["indent"]) == var_indent:
            pending.append((len(comment["pad"]), comment["text"].rstrip()))
            current = None
            i += 1
        elif var and len(var["indent"]) == var_indent:
            continuation = []
            i += 1
            while i < len(block) and block[i].strip() and len(block[i]) - len(block[i].lstrip()) > var_indent:
                continuation.append(block[i])
                i += 1
            if current is None or pending:
                current = VarEntry(comment=pending)
                entries.append(current)
                pending = []
            current.names.append(var["name"])
            current.defaults.append(_default_text(var["value"], continuation))
        else:
            i += 1
    found = [name for entry in entries for name in entry.names]
    expected = list((yaml.safe_load(text) or {}).get("vars") or {})
    if found != expected:
        missing = sorted(set(expected) - set(found))
        raise ValueError(f"{PROJECT_FILE}: could not read the vars {missing or found} line by line")
    return _group(entries)


def _group(entries: list[VarEntry]) -> list[VarGroup]:
    """A comment block that opens with `# title` and goes on with `#   text` lines starts a group,
    when the next block is indented too: the group runs while blocks are indented."""
    groups: list[VarGroup] = []
    for index, entry in enumerate(entries):
        starts_indented = bool(entry.comment) and entry.comment[0][0] > 1
        if starts_indented and groups and groups[-1].title is not None:
            groups[-1].entries.append(entry)
            continue
        head = 0
        while head < len(entry.comment) and entry.comment[head][0] <= 1:
            head += 1
        following = next((e for e in entries[index + 1 :] if e.comment), None)
        next_indented = following is not None and following.comment[0][0] > 1
        if 0 < head < len(entry.comment) and next_indented:
            title = " ".join(text for _, text in entry.comment[:head])
            entry.comment = entry.comment[head:]
            groups.append(VarGroup(title=title, entries=[entry]))
        elif groups and groups[-1].title is None:
            groups[-1].entries.append(entry)
        else:
            groups.append(VarGroup(title=None, entries=[entry]))
    return groups


def _cell(text: str) -> str:
    """Text for a markdown table cell: outside `code` spans, <, >, * and | are escaped."""
    parts = text.strip().split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*")
    return "`".join(parts).replace("|", "\\|")


def _comment_text(comment: list[tuple[int, str]]) -> str:
    """Wrapped lines join with a space; a line indented deeper than the first starts a new line."""
    if not comment:
        return ""
    base = comment[0][0]
    parts: list[str] = []
    for pad, text in comment:
        if parts and pad > base:
            parts.append(_cell(text))
        elif parts:
            parts[-1] += " " + _cell(text)
        else:
            parts.append(_cell(text))
    return "<br>".join(parts)


def render_vars(text: str) -> str:
    out = [
        "# dbt vars",
        "",
        f"<!-- generated from {PROJECT_FILE} by customer_journey.reference_docs: do not edit by hand -->",
        "",
        f"Every var of `{PROJECT_FILE}`, its default as written there and the comment above it,",
        "grouped as the file groups them. Set one for a build with",
        "`dbt build --vars '{name: value}'`; change a default in `dbt_project.yml`",
        f"and regenerate this page with {REGENERATE}.",
        "A var that rewrites history (sessions, stitching, snapshot dates) needs",
        "`dbt build --full-refresh`.",
    ]
    for index, group in enumerate(parse_vars(text)):
        title = group.title or ("General" if index == 0 else "Other")
        note = ""
        if len(title) > 60 and " (" in title:  # a long group comment: its head is the heading
            title, note = title.split(" (", 1)
            note = _cell(note.removesuffix(")"))
        out += ["", f"## {title[0].upper() + title[1:]}", ""]
        if note:
            out += [note[0].upper() + note[1:] + ".", ""]
        out += ["| var | default | comment in dbt_project.yml |", "|---|---|---|"]
        for entry in group.entries:
            names = "<br>".join(f"`{name}`" for name in entry.names)
            defaults = "<br>".join(f"`{_cell(default)}`" if default else "(empty)" for default in entry.defaults)
            out.append(f"| {names} | {defaults} | {_comment_text(entry.comment)} |")
    return "\n".join(out) + "\n"


def _header_comment(text: str) -> str:
    """The comment lines at the top of a YAML file, as one paragraph."""
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            lines.append(line.lstrip("#").strip())
        elif line.strip() and not line.startswith("version:"):
            break
    return " ".join(lines).strip()


def render_raw_contract(text: str) -> str:
    sources = (yaml.safe_load(text) or {}).get("sources") or []
    out = [
        "# Raw-data contract",
        "",
        f"<!-- generated from {SOURCES_FILE} by customer_journey.reference_docs: do not edit by hand -->",
        "",
        f"The raw tables the build reads, from `{SOURCES_FILE}`, the file the build itself",
        "checks the raw data against (macro `register_raw_sources`, run before any model).",
        "",
    ]
    intro = _header_comment(text)
    if intro:
        out += [_cell(intro), ""]
    for source in sources:
        out += [f"Source `{source['name']}`: {' '.join(str(source.get('description', '')).split())}", ""]
        out += ["| table | required | columns | what |", "|---|---|---|---|"]
        for table in source.get("tables", []):
            required = "yes" if _required(table) else "no"
            count = len(table.get("columns") or [])
            out.append(
                f"| [`{table['name']}`](#{table['name']}) | {required} | {count} | {_cell(table['description'])} |"
            )
        for table in source.get("tables", []):
            kind = "required" if _required(table) else "optional"
            out += ["", f'<a id="{table["name"]}"></a>', f"## `{table['name']}` ({kind})", ""]
            out += [" ".join(str(table.get("description", "")).split()), ""]
            out += ["| column | type | required | meaning |", "|---|---|---|---|"]
            for column in table.get("columns") or []:
                required = "yes" if _required(column) else "no"
                description = _cell(" ".join(str(column.get("description", "")).split()))
                out.append(f"| `{column['name']}` | {column.get('data_type', '')} | {required} | {description} |")
    return "\n".join(out) + "\n"


def _required(node: dict) -> bool:
    config = node.get("config") or {}
    meta = config.get("meta") or node.get("meta") or {}
    if "required" not in meta:
        raise ValueError(f"{SOURCES_FILE}: {node.get('name')} has no meta.required flag")
    return bool(meta["required"])


def pages(root: Path) -> dict[Path, str]:
    """Each generated page (relative to root) and the text it should hold."""
    return {
        VARS_PAGE: render_vars((root / PROJECT_FILE).read_text()),
        CONTRACT_PAGE: render_raw_contract((root / SOURCES_FILE).read_text()),
    }


def stale_pages(root: Path) -> list[Path]:
    stale = []
    for path, text in pages(root).items():
        target = root / path
        if not target.exists() or target.read_text() != text:
            stale.append(path)
    return stale


def write_pages(root: Path) -> list[Path]:
    written = []
    for path, text in pages(root).items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when a page differs from what would be generated")
    ap.add_argument("--root", type=Path, default=Path.cwd(), help="the dbt project (default: the current directory)")
    args = ap.parse_args(argv)
    if not (args.root / PROJECT_FILE).exists():
        ap.error(f"no {PROJECT_FILE} in {args.root}: run from the project root or pass --root")
    if args.check:
        stale = stale_pages(args.root)
        for path in stale:
            print(f"{path} is stale: it differs from what {GENERATED_FROM[path]} generates; run `make reference-docs`")
        print(f"reference docs: {len(stale)} stale page(s)")
        return 1 if stale else 0
    for path in write_pages(args.root):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
