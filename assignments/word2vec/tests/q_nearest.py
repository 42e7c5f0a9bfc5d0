from otter.test_files import test_case

OK_FORMAT = False

name = "q_nearest"
points = 1.0

@test_case(points=None, hidden=False)
def test_similar_words_form(similar_words):
    assert set(similar_words) == {'god', 'lord', 'son', 'wife', 'land'}
    assert all((len(v) == 5 and all((isinstance(w, str) for w in v)) for v in similar_words.values()))

