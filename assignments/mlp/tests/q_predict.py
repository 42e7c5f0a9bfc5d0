from otter.test_files import test_case

OK_FORMAT = False

name = "q_predict"
points = 2.0

@test_case(points=0, hidden=False)
def test_predict_form(y_proba, y_pred):
    import numpy as np
    assert np.shape(y_proba) == (3, 10) and np.allclose(np.sum(y_proba, axis=1), 1, atol=0.0001)
    assert np.shape(y_pred) == (3,)

