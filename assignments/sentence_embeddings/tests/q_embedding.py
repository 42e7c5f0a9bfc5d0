from otter.test_files import test_case

OK_FORMAT = False

name = "q_embedding"
points = 2.0

@test_case(points=0, hidden=False)
def test_sentence_vectors_shape(sentence_vectors):
    import numpy as np
    assert np.shape(sentence_vectors) == (2, 50)

