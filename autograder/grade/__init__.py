"""``autograder grade``, by stage: intake -> plan -> sandbox -> verdict -> report (``pipeline``)."""
