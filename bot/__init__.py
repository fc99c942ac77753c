"""Channel adapters, configuration and application wiring."""
