"""The untrusted side: launch a sandbox, isolate it, limit it, run the notebook, hand back data.

Nothing in this package imports the trusted side (``verdict``), tests, ``reference`` or the
solutions; a test walks the imports to keep it so.
"""
