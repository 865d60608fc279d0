"""The `avatar-data-generator` command line: Flask CLI commands on the app's group.

`run` serves and works, `tasks` submits and follows tasks, `exports` writes their personas out,
`countries` lists where personas can come from, `accounts` manages users and tokens; `__main__`
is the console script (`python -m avatar_data_generator.cli` too).
"""

from __future__ import annotations

from flask import Flask

from avatar_data_generator.cli import accounts, countries, exports, run, tasks

COMMANDS = [
    run.serve_command,
    run.worker_command,
    tasks.submit_command,
    tasks.status_command,
    exports.export_command,
    tasks.cancel_command,
    tasks.retry_command,
    tasks.stats_command,
    countries.countries_command,
    accounts.create_user_command,
    accounts.set_password_command,
    accounts.create_token_command,
    accounts.revoke_tokens_command,
    accounts.end_sessions_command,
    accounts.set_admin_command,
    accounts.list_users_command,
]


def init_app(app: Flask) -> None:
    """Register the commands on the app's CLI group."""
    for command in COMMANDS:
        app.cli.add_command(command)
