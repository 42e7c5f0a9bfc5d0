from otter.test_files import test_case

OK_FORMAT = False

name = "q_callbacks"
points = 2.0

@test_case(points=0, hidden=False)
def test_callback_types(checkpoint_cb, early_stopping_cb):
    from autograder import checks
    assert checks.is_a(checkpoint_cb, 'ModelCheckpoint') and checks.is_a(early_stopping_cb, 'EarlyStopping')

