"""Reading Flow metadata (`*.flow-meta.xml`) safely into the Flow model, and back out as Tooling API JSON."""
