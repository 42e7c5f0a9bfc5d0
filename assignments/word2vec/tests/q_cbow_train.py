from otter.test_files import test_case

OK_FORMAT = False

name = "q_cbow_train"
points = 2.0

@test_case(points=None, hidden=False)
def test_cbow_losses(cbow_losses):
    import numpy as np
    assert len(cbow_losses) == 4 and np.all(np.isfinite(cbow_losses)) and (cbow_losses[0] > 0)

