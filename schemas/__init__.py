"""Schemas shipped with toolkit (installed as the ``toolkit.schemas`` package).

Find them with ``importlib.resources.files("toolkit.schemas")``; never by a path
relative to the source tree.
"""
