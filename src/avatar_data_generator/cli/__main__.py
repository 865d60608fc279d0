"""The console script `avatar-data-generator` (and `python -m avatar_data_generator.cli`).

The one place that builds the app for the command line: the commands themselves only ever
see it through Flask's app context.
"""

from __future__ import annotations

from flask.cli import FlaskGroup

from avatar_data_generator import create_app


def main() -> None:
    """Console script entry point."""
    cli = FlaskGroup(
        create_app=create_app,
        add_default_commands=False,
        load_dotenv=False,
        help="Generate synthetic personas in bulk.",
    )
    cli.main(prog_name="avatar-data-generator")


if __name__ == "__main__":
    main()
