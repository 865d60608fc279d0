"""Stand-ins for external services, run as real HTTP servers on loopback."""
