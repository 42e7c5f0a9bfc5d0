from otter.test_files import test_case

OK_FORMAT = False

name = "q_model"
points = 3.0

@test_case(points=0, hidden=False)
def test_models_are_keras(model, model_list):
    from autograder import checks
    assert checks.is_a(model, 'Model') and checks.is_a(model_list, 'Model')
    assert tuple(model.output_shape) == (None, 10), 'the output layer needs one unit per class'

