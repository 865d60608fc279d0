"""The WSGI entry point for gunicorn: `gunicorn -c gunicorn.conf.py avatar_data_generator.wsgi:app`.

The worker is not started here (that would run it in gunicorn's master under `--preload`);
gunicorn.conf.py starts it in each worker after fork.
"""

from __future__ import annotations

from avatar_data_generator import create_app

app = create_app()
