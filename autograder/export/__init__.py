"""``autograder export``: a grading output folder as a Canvas, Gradescope or plain CSV."""
