from otter.test_files import test_case

OK_FORMAT = False

name = "q_skipgram_train"
points = 1.0

@test_case(points=0, hidden=False)
def test_skipgram_losses(skipgram_losses):
    import numpy as np
    assert len(skipgram_losses) == 5, f'skipgram_losses has {len(skipgram_losses)} entries: one per epoch, 5 epochs'
    assert np.all(np.isfinite(skipgram_losses)), 'skipgram_losses holds a value that is not a finite number'
    assert min(skipgram_losses) > 2.5, "each entry is the sum of one epoch's batch losses (one per line)"

