from otter.test_files import test_case

OK_FORMAT = False

name = "q_evaluate"
points = 1.0

@test_case(points=0, hidden=False)
def test_evaluate_form(test_loss, test_accuracy):
    assert 0 <= test_accuracy <= 1 and test_loss > 0

