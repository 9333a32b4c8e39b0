"""Console accounts: users and roles (``users``), argon2 passwords (``passwords``), signing in with a
lock-out shared through Redis (``signin``). No Flask here: the console, the CLI and tests call the same
functions."""
