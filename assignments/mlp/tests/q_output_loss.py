from otter.test_files import test_case

OK_FORMAT = False

name = "q_output_loss"
points = 2.0

@test_case(points=0, hidden=False)
def test_output_and_loss_form(output_and_loss):
    assert set(output_and_loss) == {'binary', 'multiclass, integer labels', 'multiclass, one-hot labels'}
    assert all((len(v) == 2 and all((isinstance(s, str) for s in v)) for v in output_and_loss.values()))

