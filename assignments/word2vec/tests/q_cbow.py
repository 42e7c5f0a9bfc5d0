from otter.test_files import test_case

OK_FORMAT = False

name = "q_cbow"
points = 4.0

@test_case(points=0, hidden=False)
def test_cbow_form(cbow, vocab_size):
    from autograder import checks
    assert checks.is_a(cbow, 'Model')
    assert tuple(cbow.output_shape) == (None, vocab_size), 'one output per word of the vocabulary'

