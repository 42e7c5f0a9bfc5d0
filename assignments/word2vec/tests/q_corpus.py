from otter.test_files import test_case

OK_FORMAT = False

name = "q_corpus"
points = 2.0

@test_case(points=0, hidden=False)
def test_vocabulary_form(word2id, id2word, wids, norm_bible, vocab_size):
    assert word2id['PAD'] == 0 and id2word[0] == 'PAD', 'PAD must have id 0'
    assert len(wids) == len(norm_bible) and vocab_size == len(word2id)

