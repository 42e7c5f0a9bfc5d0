from otter.test_files import test_case

OK_FORMAT = False

name = "q_pairs"
points = 4.0

@test_case(points=0, hidden=False)
def test_pairs_form(generate_context_word_pairs):
    import numpy as np
    pairs = list(generate_context_word_pairs([[1, 2, 3]], 1, 4))
    assert len(pairs) == 3, 'one (context, target) pair per word'
    x, y = pairs[0]
    assert np.shape(x) == (1, 2) and np.shape(y) == (1, 4)

