from otter.test_files import test_case

OK_FORMAT = False

name = "q_neuron"
points = 2.0

@test_case(points=0, hidden=False)
def test_neuron_runs(neuron_output):
    import numpy as np
    out = neuron_output(np.array([1.0, 2.0]), np.array([3.0, -4.0]), 0.5, np.abs)
    assert out is not None and np.ndim(out) == 0, 'the output of one neuron is a single number'
    assert np.isclose(out, 4.5), 'with f = np.abs, w = [1, 2], x = [3, -4], theta = 0.5 the output is 4.5'

