from otter.test_files import test_case

OK_FORMAT = False

name = "q_classifier"
points = 3.0

@test_case(points=0, hidden=False)
def test_classifier_form(model):
    from autograder import checks
    assert checks.is_a(model, 'Model') and tuple(model.output_shape) == (None, 1)
    assert checks.loss_name(model) == 'binary_crossentropy', 'compile with binary cross-entropy'
    assert checks.optimizer_config(model)[0] == 'Adam', 'compile with Adam'

