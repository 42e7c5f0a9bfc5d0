from otter.test_files import test_case

OK_FORMAT = False

name = "q_compile"
points = 2.0

@test_case(points=None, hidden=False)
def test_compiled(model):
    assert getattr(model, 'optimizer', None) is not None, 'compile the model first'

