"""Flow metadata: model, loader, invocable metadata, formula language, engine, record store and action stubs."""
