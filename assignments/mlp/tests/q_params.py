from otter.test_files import test_case

OK_FORMAT = False

name = "q_params"
points = 2.0

@test_case(points=0, hidden=False)
def test_params_form(dense_params, total_params, model):
    from autograder import checks
    assert len(dense_params) == 3, 'one entry per Dense layer'
    assert sum(dense_params) == total_params, "total_params is the sum of the Dense layers' counts"
    own = [layer.count_params() for layer in checks.layers_of(model) if checks.class_name(layer) == 'Dense']
    assert list(dense_params) == own and total_params == model.count_params(), 'take the counts from the model itself'

