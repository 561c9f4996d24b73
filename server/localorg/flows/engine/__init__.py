"""The flow engine: runs an interview of a Flow model from JSON inputs to an outcome, with action stubs."""
