from otter.test_files import test_case

OK_FORMAT = False

name = "q_skipgram_model"
points = 4.0

@test_case(points=0, hidden=False)
def test_skipgram_form(skipgram_model):
    from autograder import checks
    assert checks.is_a(skipgram_model, 'Model') and len(skipgram_model.inputs) == 2

