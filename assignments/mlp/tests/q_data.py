from otter.test_files import test_case

OK_FORMAT = False

name = "q_data"
points = 2.0

@test_case(points=0, hidden=False)
def test_split_shapes(X_train, X_valid, X_test, y_train, y_valid, y_test):
    assert X_train.shape == (55000, 28, 28) and X_valid.shape == (5000, 28, 28)
    assert X_test.shape == (10000, 28, 28)
    assert len(y_train) == 55000 and len(y_valid) == 5000 and (len(y_test) == 10000)

@test_case(points=0, hidden=False)
def test_scaled(X_train, X_valid, X_test):
    for X in (X_train, X_valid, X_test):
        assert 0.0 <= X.min() and X.max() <= 1.0, 'pixel values must be scaled to [0, 1]'

