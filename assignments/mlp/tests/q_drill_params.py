from otter.test_files import test_case

OK_FORMAT = False

name = "q_drill_params"
points = 1.0

@test_case(points=0, hidden=False)
def test_drill_params_is_int(drill_params):
    import numpy as np
    assert isinstance(drill_params, (int, np.integer)), 'drill_params must be an integer'

