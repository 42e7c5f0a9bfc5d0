"""Similarity report: which pairs of submissions share student-written code (``autograder
similarity``, ``grade --similarity``).

In order: ``sources`` takes each notebook's student-written code (the skeleton's given lines
subtracted, each cell attributed to its question), ``fingerprints`` turns code into normalised
token k-grams selected by winnowing (renamed variables, reformatting, comments and prints do
not change them), ``compare`` scores every pair through an inverted index (overall and per
question, the skeleton's and very common fingerprints left out), ``report`` writes
``similarity.csv`` and a self-contained ``similarity.html``. A flag is a reason to look, never a
verdict. Nothing is run: notebooks are read as checked JSON.
"""
