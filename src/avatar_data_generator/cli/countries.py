"""`countries`: the countries personas can come from, each drawn from its own data."""

from __future__ import annotations

import json

import click

from avatar_data_generator.generation.population import DATA_VERSION, SUPPORTED, country


@click.command("countries")
@click.option("--json", "as_json", is_flag=True)
def countries_command(as_json: bool) -> None:
    """List the supported countries (name them with `submit --country`)."""
    rows = sorted((country(code) for code in SUPPORTED), key=lambda c: c.name)
    if as_json:
        out = [
            {"code": c.code, "name": c.name, "demonym": c.demonym, "language": c.language}
            for c in rows
        ]
        click.echo(json.dumps({"data_version": DATA_VERSION, "countries": out}, indent=2))
        return
    for c in rows:
        click.echo(f"{c.code}  {c.name:<16} {c.demonym:<16} {c.language}")
    click.echo(f"{len(rows)} countries, population data {DATA_VERSION}")
