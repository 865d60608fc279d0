"""The seed's entry points: `process_single_task()` and `get_pending_task_with_lock()`."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app

from avatar_data_generator import queue
from avatar_data_generator.db import db
from avatar_data_generator.workers.runner import Worker

log = logging.getLogger(__name__)


def get_pending_task_with_lock() -> str | None:
    """Lock the oldest task with claimable work (`FOR UPDATE SKIP LOCKED`) and return its id."""
    with db.engine.begin() as conn:
        return queue.get_pending_task_with_lock(conn)


def process_single_task(app: Flask | None = None, worker: Worker | None = None) -> bool:
    """Process one task to its end with MULTITHREAD_FLOWISE parallel batches; False if none."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    with app.app_context():
        task_id = get_pending_task_with_lock()
    if task_id is None:
        return False
    own_worker = worker is None
    worker = worker or Worker(app)
    worker.start_heartbeat()
    threads = int(app.config["MULTITHREAD_FLOWISE"])
    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="avatar-batch") as pool:
            while not worker.stopping.is_set():
                free = threads - len(worker.in_flight())
                claimed = worker.claim(free, task_id=task_id) if free > 0 else []
                for batch in claimed:
                    pool.submit(worker.run_batch, batch)
                if not claimed:
                    with app.app_context(), db.engine.connect() as conn:
                        left = queue.unfinished_work(conn, task_id)
                    if not left and not worker.in_flight():
                        break
                    time.sleep(0.05)
        worker.post.wait_idle(30.0)  # the task's report written: it is completed on return
    finally:
        if own_worker:
            worker.stop()
    return True
