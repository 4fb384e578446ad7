"""Web pages of `coop`, one module per sub-domain (see each module's docstring).

`coop.urls` imports the modules directly; nothing is re-exported here, so a new
module (imports, production, ...) never has to touch this file.
"""
