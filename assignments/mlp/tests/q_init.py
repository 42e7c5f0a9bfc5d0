from otter.test_files import test_case

OK_FORMAT = False

name = "q_init"
points = 1.0

@test_case(points=0, hidden=False)
def test_init_shapes(weights, biases):
    assert weights.shape == (784, 300) and biases.shape == (300,)

