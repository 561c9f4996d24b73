"""Sign-in to Salesforce: credentials in six modes (credentials.py: the protocol and the mode order; the modes in
refresh_modes.py, grant_modes.py and sf_cli.py, on single_flight.py), the token store (token_store.py), browser
login/logout over a loopback redirect (login.py, loopback.py), the OAuth calls (oauth_client.py), `doctor`
(doctor.py), the errors (errors.py) and secret masking for logs and messages (masking.py)."""
