"""Flows in the embedded org: the model, its invocable metadata, and the parse, engine and formula packages."""
