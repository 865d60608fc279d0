"""Operations: gunicorn, health, metrics, logs, housekeeping, scale-out."""
