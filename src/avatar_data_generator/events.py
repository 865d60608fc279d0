"""Signals the worker sends; metrics and logs subscribe without the worker knowing them."""

from blinker import Namespace

_signals = Namespace()

#: A provider call ended: kwargs provider, outcome ("ok", "retry", "error"), seconds.
provider_call_finished = _signals.signal("provider-call-finished")
#: A provider call started or ended: kwargs delta (+1 or -1).
provider_calls_in_flight = _signals.signal("provider-calls-in-flight")
#: A provider answered 429 or 503 and this process cut its concurrency: kwargs provider.
provider_throttled = _signals.signal("provider-throttled")
#: A batch was stored: kwargs task_id, batch_index, personas, seconds.
batch_stored = _signals.signal("batch-stored")
#: A task reached completed, failed or cancelled: kwargs task_id, status, seconds.
task_finished = _signals.signal("task-finished")
#: Expired leases were taken back: kwargs count.
leases_reclaimed = _signals.signal("leases-reclaimed")
#: The scheduler ticked: kwargs at (a UTC datetime).
scheduler_ticked = _signals.signal("scheduler-ticked")
