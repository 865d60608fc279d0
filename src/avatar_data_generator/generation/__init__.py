"""Persona generation: providers (local, Flowise, OpenAI-compatible), parsing and validation."""
