from otter.test_files import test_case

OK_FORMAT = False

name = "q_train"
points = 3.0

@test_case(points=None, hidden=False)
def test_history(history):
    assert {'loss', 'accuracy'} <= set(history.history)

