"""What the org remembers: its state (SQLite), the flow registry with versions, sessions, and the sObject records."""
