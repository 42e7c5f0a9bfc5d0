from otter.test_files import test_case

OK_FORMAT = False

name = "q_params"
points = 2.0

@test_case(points=None, hidden=False)
def test_params_form(dense_params, total_params):
    assert len(dense_params) == 3, 'one entry per Dense layer'
    assert sum(dense_params) == total_params

