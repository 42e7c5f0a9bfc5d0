from otter.test_files import test_case

OK_FORMAT = False

name = "q_save"
points = 2.0

@test_case(points=0, hidden=False)
def test_loaded_is_model(model_loaded):
    from autograder import checks
    assert checks.is_a(model_loaded, 'Model')

