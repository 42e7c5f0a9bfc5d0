from otter.test_files import test_case

OK_FORMAT = False

name = "q_predict"
points = 1.0

@test_case(points=0, hidden=False)
def test_new_proba_form(new_proba):
    import numpy as np
    assert np.shape(new_proba) == (3, 1) and np.all((0 <= np.asarray(new_proba)) & (np.asarray(new_proba) <= 1))

