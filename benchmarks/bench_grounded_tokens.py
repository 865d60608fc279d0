"""Output tokens a persona costs, facts sampled against the model writing whole personas.

The same 100-persona task runs twice through an OpenAI-compatible stand-in that counts tokens at
four characters a token (prompt and completion): once in `sampled` mode (the model writes only
bios and a personality sentence), once in `model` mode (the model writes every fact too).
"""

from __future__ import annotations

import sys
from typing import Any

from benchmarks import common

COUNT = 100


def _tokens(url: str, standin: Any, facts: str) -> dict[str, float]:
    from avatar_data_generator import tasks
    from avatar_data_generator.workers.task_processor import process_single_task

    app = common.make_app(
        url,
        WORKER_ENABLED=True,
        GENERATOR_PROVIDER="openai",
        OPENAI_BASE_URL=standin.url,
        OPENAI_MODEL="bench-model",
        MULTITHREAD_FLOWISE=4,
    )
    with app.app_context():
        task, _ = tasks.create_task(count=COUNT, batch_size=10, facts=facts, seed=1)
        process_single_task(app)
        done = tasks.get_task(task.task_id)
    if done.status != "completed":
        raise RuntimeError(f"{facts} task ended {done.status}: {done.error}")
    return {
        "output_per_persona": round((done.tokens_out or 0) / done.generated, 1),
        "input_per_persona": round((done.tokens_in or 0) / done.generated, 1),
        "calls": done.provider_calls,
    }


def run(quick: bool) -> dict[str, Any]:
    """Both modes side by side in one run."""
    sys.path.insert(0, str(common.ROOT))
    from tests.standins.openai import OpenAIStandIn

    standin = OpenAIStandIn().start()
    try:
        with common.fresh_database("tokens_sampled") as url:
            sampled = _tokens(url, standin, "sampled")
        with common.fresh_database("tokens_model") as url:
            model = _tokens(url, standin, "model")
    finally:
        standin.stop()
    return {
        "output_tokens_per_persona_sampled": sampled["output_per_persona"],
        "output_tokens_per_persona_model": model["output_per_persona"],
        "output_tokens_sampled_over_model": round(
            sampled["output_per_persona"] / model["output_per_persona"], 3
        ),
        "input_tokens_per_persona_sampled": sampled["input_per_persona"],
        "input_tokens_per_persona_model": model["input_per_persona"],
        "grounded_tokens_setup": (
            f"{COUNT} personas in batches of 10 through the OpenAI-compatible stand-in, tokens"
            " counted at four characters a token; sampled = facts from the population sampler"
        ),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run("--quick" in sys.argv), indent=2))
