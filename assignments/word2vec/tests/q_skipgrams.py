from otter.test_files import test_case

OK_FORMAT = False

name = "q_skipgrams"
points = 2.0

@test_case(points=0, hidden=False)
def test_skip_grams_form(skip_grams, wids):
    assert len(skip_grams) == len(wids), 'one (pairs, labels) per line'
    pairs, labels = skip_grams[0]
    assert len(pairs) == len(labels) > 0

