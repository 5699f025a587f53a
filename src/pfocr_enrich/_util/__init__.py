"""Shared helpers at the bottom of the package: validation, files, packaged data, version.

Nothing here knows about gene sets, statistics or results; every other layer may import it.
"""
