"""Sign-in to Salesforce: credentials in five modes (credentials.py, with the mode order), the token store
(token_store.py), browser login/logout over a loopback redirect (login.py, loopback.py), the OAuth calls
(oauth_client.py), `doctor` (doctor.py) and secret masking for logs and messages (masking.py)."""
