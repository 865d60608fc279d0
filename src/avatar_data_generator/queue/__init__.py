"""The queue: every SQL statement of the app, one module per step of a batch's life.

- `dialect`: parsed statements, the clock on each dialect, JSON and time columns
- `rows`: what the queue hands out and takes back (a claimed batch, a result, an outcome)
- `batches`: batch plans and rows, NOTIFY, the lease fence, ending a task
- `claim`: leasing the next batches, round-robin across tasks, in one statement
- `lease`: renewing, taking back, giving back, retrying later, failing
- `store`: the persona row, the INSERT that stores it, the quality merge
- `finish`: storing a batch and advancing its task, fenced, many batches at once (`finish_sqlite`:
  the same steps one statement at a time)
- `completion`: what post-processing reads, and completing tasks with their reports
- `control`: cancel, retry, and ending stranded tasks
- `task_rows`, `account_rows`, `dashboard_rows`: the statements of tasks, accounts and pages
- `stats`: what is left and the figures operators read
- `providers`: pauses every process honours (Retry-After, outages) and each one's concurrency
- `prune`: deleting old finished tasks and samples
- `locks`: advisory locks for migrations, housekeeping and provider slots

Callers own the transaction (`with engine.begin() as conn`); on PostgreSQL times come from the
database's clock. The names below are the package's public surface.
"""

from avatar_data_generator.queue.batches import (
    LISTEN,
    NOTIFY_CHANNEL,
    BatchCounts,
    batch_counts,
    fail_task,
    insert_batches,
    mark_data_generated,
    notify_new_work,
    plan_batches,
    topup_budget,
)
from avatar_data_generator.queue.claim import (
    CLAIM_HEADROOM,
    claim_batches,
    get_pending_task_with_lock,
)
from avatar_data_generator.queue.completion import (
    RealismInputs,
    complete_tasks,
    personas_of,
    realism_inputs,
)
from avatar_data_generator.queue.control import (
    Settled,
    cancel_task,
    retry_task,
    settle_stranded_tasks,
    waiting_postprocessing,
)
from avatar_data_generator.queue.finish import finish_batch, finish_batches
from avatar_data_generator.queue.lease import (
    fail_batch,
    postpone_batch,
    reclaim_expired_leases,
    release_batches,
    renew_leases,
    retry_batch_later,
)
from avatar_data_generator.queue.rows import BatchResult, ClaimedBatch, FinishedBatch
from avatar_data_generator.queue.stats import (
    Gauges,
    gauges,
    health_stats,
    listening_workers,
    next_available_in,
    ping,
    queue_depth,
    record_queue_sample,
    running_batches,
    unfinished_work,
)
from avatar_data_generator.queue.store import merge_quality, storage_row, store_personas

__all__ = [
    "CLAIM_HEADROOM",
    "LISTEN",
    "NOTIFY_CHANNEL",
    "BatchCounts",
    "BatchResult",
    "ClaimedBatch",
    "FinishedBatch",
    "Gauges",
    "RealismInputs",
    "Settled",
    "batch_counts",
    "cancel_task",
    "claim_batches",
    "complete_tasks",
    "fail_batch",
    "fail_task",
    "finish_batch",
    "finish_batches",
    "gauges",
    "get_pending_task_with_lock",
    "health_stats",
    "insert_batches",
    "listening_workers",
    "mark_data_generated",
    "merge_quality",
    "next_available_in",
    "notify_new_work",
    "personas_of",
    "ping",
    "plan_batches",
    "postpone_batch",
    "queue_depth",
    "realism_inputs",
    "reclaim_expired_leases",
    "record_queue_sample",
    "release_batches",
    "renew_leases",
    "retry_batch_later",
    "retry_task",
    "running_batches",
    "settle_stranded_tasks",
    "storage_row",
    "store_personas",
    "topup_budget",
    "unfinished_work",
    "waiting_postprocessing",
]
