"""Accounts: who may sign in, with which role, for which agency, and their sessions.

Local accounts keep an argon2id hash of the password (argon2-cffi); accounts from an OIDC
identity provider keep none. Sessions live on the server (only a hash of the cookie's token
is stored), so signing out really ends them. Failed sign-ins are throttled per source and per
name (``throttle``), passwords must pass ``passwords``; every sign-in, failure, delay and
sign-out is written to the audit log.
"""
