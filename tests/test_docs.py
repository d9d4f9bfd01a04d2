"""The docs against the code: every setting, route, event and link they name must exist,
and everything the code has must be in them."""

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from mercado_operator.config import OperatorSettings
from mercado_platform.config import ServiceSettings
from mercado_platform.messaging.contracts import platform_contracts
from mercado_platform.service import create_app

from .contracts import SERVICES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SETTINGS: dict[str, type[BaseSettings]] = {
    "Every service": ServiceSettings,
    **{spec.name: spec.settings_class for spec in SERVICES},
    "operator": OperatorSettings,
}
PLATFORM_ROUTES = {"GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json"}
DEFAULT = re.compile(r"^(?:(required|none|empty)|`([^`]*)`)(?:\s.*)?$")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def sections(text: str, level: str = "##") -> dict[str, str]:
    """The document's sections of `level`, by heading."""
    parts = re.split(rf"^{level} (.+)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def table_rows(text: str) -> list[list[str]]:
    """The cells of every table body row in `text` (header and rule rows left out)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|[\s|:-]+\|", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return [row for row in rows if row[0].startswith("`")]


def documented_settings(title: str) -> dict[str, str]:
    """Variable -> default cell of the configuration table under heading `title`."""
    rows = table_rows(sections((DOCS / "configuration.md").read_text())[title])
    names = [row[0].strip("`") for row in rows]
    assert len(names) == len(set(names)), f"a variable is listed twice under {title}"
    return {name: row[1] for name, row in zip(names, rows, strict=True)}


def own_fields(cls: type[BaseSettings]) -> dict[str, FieldInfo]:
    """The variables `cls` reads beyond what every service reads, by variable name."""
    service = issubclass(cls, ServiceSettings) and cls is not ServiceSettings
    inherited = set(ServiceSettings.model_fields) if service else set()
    prefix = cls.model_config.get("env_prefix", "")
    return {
        f"{prefix}{name}".upper(): field
        for name, field in cls.model_fields.items()
        if name not in inherited
    }


def default_problem(field: FieldInfo, cell: str) -> str | None:
    """Why the default cell `cell` does not describe `field`'s default, or None."""
    match = DEFAULT.match(cell)
    if not match:
        return f"{cell!r} is not `literal`, required, none or empty"
    word, literal = match.groups()
    if field.is_required():
        return None if word == "required" else f"{cell!r}: it is required"
    expected: Any = field.default
    if expected is None:
        return None if word == "none" else f"{cell!r}: it defaults to none"
    if expected == "":
        return None if word == "empty" else f"{cell!r}: it defaults to empty"
    if literal is None:
        return f"{cell!r}: it defaults to {expected!r}"
    if isinstance(expected, bool):
        shown: Any = literal == "true"
    elif isinstance(expected, int | float):
        shown = type(expected)(literal)
    else:
        shown = literal
    return None if shown == expected else f"{cell!r}: it defaults to {expected!r}"


@pytest.mark.parametrize("title", SETTINGS)
def test_configuration_reference_lists_each_setting_with_its_default(title):
    fields = own_fields(SETTINGS[title])
    documented = documented_settings(title)
    assert sorted(set(fields) - set(documented)) == [], "settings missing from the docs"
    assert sorted(set(documented) - set(fields)) == [], "documented but not read by the code"
    wrong = {name: default_problem(fields[name], cell) for name, cell in documented.items()}
    assert {name: why for name, why in wrong.items() if why} == {}


def routes_of(spec: Any) -> set[str]:
    """`METHOD /path` of every route the service's app serves, path parameters as `{}`."""
    settings = spec.settings_class(
        database_url="postgresql://docs@127.0.0.1:1/docs", amqp_url="amqp://docs:docs@127.0.0.1:1/"
    )
    app = create_app(spec, settings)
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<[^>]+>", "{}", rule.rule)
        routes |= {f"{method} {path}" for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def documented_routes(page: Path) -> set[str]:
    """`METHOD /path` of every endpoint table row of an API page, parameters as `{}`."""
    found = set()
    for row in table_rows(page.read_text()):
        match = re.fullmatch(r"`(GET|POST|PUT|PATCH|DELETE) (/\S*)`", row[0])
        if match:
            found.add(f"{match[1]} {re.sub(r'{[^}]+}', '{}', match[2])}")
    return found


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_each_api_page_lists_exactly_the_service_routes(spec):
    served = routes_of(spec)
    assert served >= PLATFORM_ROUTES
    documented = documented_routes(DOCS / "api" / f"{spec.name}.md")
    assert sorted(served - PLATFORM_ROUTES - documented) == [], "routes missing from the page"
    assert sorted(documented - served) == [], "documented routes the service does not serve"


def test_the_grpc_page_lists_exactly_the_grpc_methods():
    served = {
        f"{service.name}/{method.name}"
        for spec in SERVICES
        for service in spec.grpc
        for method in service.descriptor.methods
    }
    rows = table_rows(sections((DOCS / "api" / "grpc.md").read_text())["Methods"])
    assert {row[0].strip("`") for row in rows} == served


def test_the_api_overview_lists_what_every_service_serves():
    assert documented_routes(DOCS / "api" / "README.md") >= PLATFORM_ROUTES


def test_the_event_catalogue_names_every_event_with_its_producer_and_consumers():
    consumers: dict[str, set[str]] = {}
    for spec in SERVICES:
        for subscription in spec.topology.subscriptions if spec.topology else ():
            for _exchange, routing_key in subscription.bindings:
                consumers.setdefault(routing_key, set()).add(spec.name)
    expected = {
        contract.type: (contract.producer, consumers.get(contract.type, set()))
        for contract in platform_contracts()
    }
    rows = table_rows(sections((DOCS / "messaging.md").read_text())["Events"])
    documented = {
        row[0].strip("`"): (row[1], {name for name in re.split(r",\s*", row[2]) if name != "-"})
        for row in rows
    }
    assert documented == expected


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", ROOT / "charts" / "README.md", *sorted(DOCS.rglob("*.md"))]


def anchors(page: Path) -> set[str]:
    """The anchors GitHub makes of the page's headings."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_links_stay_inside_the_repository_and_resolve(page):
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        path = (page.parent / file).resolve() if file else page
        if not path.is_relative_to(ROOT):
            broken.append(f"{target} leaves the repository")
        elif not path.exists():
            broken.append(f"{target} does not exist")
        elif anchor and anchor not in anchors(path):
            broken.append(f"{target}: no such heading")
    assert broken == []


def test_the_readme_links_only_inside_the_repository():
    external = [t for t in LINK.findall((ROOT / "README.md").read_text()) if re.match("[a-z]+:", t)]
    assert external == []


def test_every_make_target_script_and_chart_the_docs_name_exists():
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    text = "\n".join(page.read_text() for page in markdown_files())
    used = set(re.findall(r"(?:^|`)make ([a-z][a-z-]+)", text, re.M))
    assert sorted(used - targets) == []
    for path in re.findall(r"\b((?:hack|charts)/[\w./-]*\w)", text):
        assert (ROOT / path).exists(), path
