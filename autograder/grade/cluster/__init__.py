"""Grading on a Dask distributed cluster, with the trust model of a local batch.

The client (``client``) keeps everything a person sees: intake, identities, ``--resume``, the
progress bar, every result written as it arrives. It ships each worker the build once
(``shipment``: hidden tests, plan, grading.toml, as plain bytes) and one small task per
submission. A worker (``worker``) unpacks the build into a root-only folder, outside every
sandbox's allow-list, and grades with exactly the local pipeline (``pipeline.LocalGrader``):
sandbox, limits, warm templates, trusted verdict. Student code never runs in a Dask process.

Only this package imports Dask, and only when ``--scheduler`` is given: the local pool
imports none of it.
"""
