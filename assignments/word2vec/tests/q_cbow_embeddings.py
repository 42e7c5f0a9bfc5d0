from otter.test_files import test_case

OK_FORMAT = False

name = "q_cbow_embeddings"
points = 1.0

@test_case(points=0, hidden=False)
def test_cbow_weights_shape(cbow_weights, vocab_size):
    assert cbow_weights.shape == (vocab_size - 1, 100)

