"""``autograder review``: what a TA needs to grade the manual questions by hand."""
