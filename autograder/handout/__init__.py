"""The student handout: the skeleton notebook, its public tests and a small student-side wheel
(``grader.check``, ``grader.export``, the public checks' helpers), so a student needs neither the
kit's checkout nor its ``.venv``. Nothing hidden, no solution, no expected value goes in."""
