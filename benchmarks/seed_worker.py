"""The seed's processing strategy, for comparison: one task at a time per process.

Loops `process_single_task()` (the seed's entry point: lock the oldest task with work, run its
batches with MULTITHREAD_FLOWISE threads to its end) until no task is left. Settings come
from the environment, as for the real worker.
"""

from __future__ import annotations


def main() -> None:
    """Process tasks one at a time until none is waiting."""
    from avatar_data_generator import create_app
    from avatar_data_generator.workers.task_processor import process_single_task

    app = create_app()
    while process_single_task(app):
        pass


if __name__ == "__main__":
    main()
