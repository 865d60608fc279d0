"""The in-process worker: batch runner, dispatcher, wake-up listener, provider slots."""
