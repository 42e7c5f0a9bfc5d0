from otter.test_files import test_case

OK_FORMAT = False

name = "q_dropout"
points = 2.0

@test_case(points=0, hidden=False)
def test_dropout_present(model_dropout):
    from autograder import checks
    assert checks.dropout_rates(model_dropout), 'add Dropout layers'
    assert getattr(model_dropout, 'optimizer', None) is not None, 'compile model_dropout like model'

