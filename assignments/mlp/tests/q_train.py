from otter.test_files import test_case

OK_FORMAT = False

name = "q_train"
points = 3.0

@test_case(points=0, hidden=False)
def test_history(history):
    assert {'loss', 'accuracy', 'val_loss', 'val_accuracy'} <= set(history.history)

