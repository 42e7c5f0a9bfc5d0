from otter.test_files import test_case

OK_FORMAT = False

name = "q_train"
points = 3.0

@test_case(points=0, hidden=False)
def test_history(history):
    assert {'loss', 'accuracy'} <= set(history.history)
    assert 'val_loss' in history.history, 'keep 20% of the reviews for validation'

