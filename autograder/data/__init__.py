"""Datasets for the lecture's own code, offline first, with the real online path kept.

Each module locates one dataset (configured folder, the kit's shared data, system packages,
standard caches), verifies it against published checksums, and places it where the lecture's
unchanged code looks for it. Only when nothing local exists does it use the real download.
"""
