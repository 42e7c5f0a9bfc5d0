from otter.test_files import test_case

OK_FORMAT = False

name = "q_skipgram_embeddings"
points = 1.0

@test_case(points=0, hidden=False)
def test_sg_weights_shape(sg_weights, vocab_size):
    assert sg_weights.shape == (vocab_size - 1, 100)

