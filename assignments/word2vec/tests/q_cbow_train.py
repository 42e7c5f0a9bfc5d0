from otter.test_files import test_case

OK_FORMAT = False

name = "q_cbow_train"
points = 2.0

@test_case(points=0, hidden=False)
def test_cbow_losses(cbow_losses, vocab_size):
    import numpy as np
    assert len(cbow_losses) == 4, f'cbow_losses has {len(cbow_losses)} entries: one per epoch, 4 epochs'
    assert np.all(np.isfinite(cbow_losses)) and cbow_losses[0] > 0, 'cbow_losses holds a value that is not a positive finite number'
    assert min(cbow_losses) > 10 * np.log(vocab_size), "each entry is the sum of one epoch's batch losses (one per pair)"

