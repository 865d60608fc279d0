"""`GET /api/countries`: the countries the population sampler supports, with its data sources."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, List, Nested, String
from flask import Response, jsonify

from avatar_data_generator.generation.population import DATA_VERSION, SUPPORTED, country

bp = APIBlueprint("countries", __name__, url_prefix="/api", tag="Countries")


class CountryOut(Schema):
    """One supported country."""

    code = String(required=True, metadata={"description": "ISO 3166-1 alpha-2", "example": "DE"})
    name = String(required=True, metadata={"example": "Germany"})
    demonym = String(required=True, metadata={"example": "German"})
    language = String(required=True, metadata={"description": "Its main language (CLDR)"})
    sources = List(String(), required=True, metadata={"description": "The tables' sources"})
    native_data = Boolean(required=True, metadata={"description": "Every fact from its own data"})


class CountriesOut(Schema):
    """Every supported country; a task naming another one is refused (422)."""

    data_version = String(required=True)
    countries = List(Nested(CountryOut), required=True)


@bp.get("/countries")
@bp.output(CountriesOut, description="The supported countries")
@bp.doc(
    summary="List the supported countries",
    description="Personas come only from these countries, each from its own data (UN WPP ages,"
    " names, GeoNames places, jobs, education); docs/data-sources.md says how each table was"
    " made. Name them in `bio_settings.countries` by English name or code.",
    security=[{"BearerAuth": []}, {"SessionCookie": []}],
    responses={401: "Missing or invalid credentials"},
)
def list_countries() -> Response:
    """The supported countries with their data sources."""
    rows = [country(code) for code in SUPPORTED]
    return jsonify(
        {
            "data_version": DATA_VERSION,
            "countries": [
                {
                    "code": c.code,
                    "name": c.name,
                    "demonym": c.demonym,
                    "language": c.language,
                    "sources": [s for s in c.sources if s],
                    "native_data": True,
                }
                for c in sorted(rows, key=lambda c: c.name)
            ],
        }
    )
