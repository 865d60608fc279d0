"""What every command shares: one clear sentence on failure, never a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click
from sqlalchemy.exc import OperationalError

from avatar_data_generator import accounts, tasks

F = TypeVar("F", bound=Callable[..., Any])

#: Errors whose message is already the sentence to show.
KNOWN_ERRORS = (tasks.TaskNotFound, tasks.TaskStateError, accounts.AccountError)


def fail(message: str) -> NoReturn:
    """One clear sentence and a non-zero exit, never a traceback."""
    raise click.ClickException(message)


def friendly_errors(func: F) -> F:
    """Turn known errors (and a database that does not answer) into one-line messages."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except tasks.TaskInputError as exc:
            fail(exc.message)
        except KNOWN_ERRORS as exc:
            fail(str(exc))
        except OperationalError as exc:
            fail(
                f"the database did not answer ({str(exc.orig).strip().splitlines()[0]}); "
                "check DATABASE_URL and run 'avatar-data-generator db upgrade'"
            )

    return wrapper  # type: ignore[return-value]
