"""The org as an OAuth 2.0 server: its endpoints, the token grants, and the connected apps it accepts."""
