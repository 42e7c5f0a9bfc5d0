"""``autograder export``: a grading folder's final grades as the LMS's own import file."""
