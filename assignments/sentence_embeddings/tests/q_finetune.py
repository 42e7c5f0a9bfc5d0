from otter.test_files import test_case

OK_FORMAT = False

name = "q_finetune"
points = 2.0

@test_case(points=0, hidden=False)
def test_finetune_form(model_ft, finetune_trainable):
    from autograder import checks
    assert checks.is_a(model_ft, 'Model') and finetune_trainable > 0

