"""A word2vec class written as students would: what each one typed into the skeleton's answer
cells (question -> the whole cell), and how the notebooks are put together.

- ana works on her own; ben copies her, renaming variables, reformatting, reordering cells,
  adding comments and prints;
- chloe works on her own; dan works on his own except the context-pair generator, which he
  copies from chloe;
- eve works on her own, and her short embedding answer is the lecture's two lines, as ana's is;
- frank handed in last term; gina copies frank's notebook.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

CHECK = re.compile(r"""grader\.check\("(\w+)"\)""")

ANA = {
    "q_corpus": """bible = gutenberg.sents("bible-kjv.txt")[1000:2000]
remove_terms = punctuation + "0123456789"
norm_bible = [[word.lower() for word in sent if word not in remove_terms] for sent in bible]
norm_bible = [" ".join(tok_sent) for tok_sent in norm_bible]
norm_bible = [tok_sent for tok_sent in norm_bible if len(tok_sent.split()) > 2]

tokenizer = text.Tokenizer()
tokenizer.fit_on_texts(norm_bible)
word2id = tokenizer.word_index
word2id["PAD"] = 0
id2word = {v: k for k, v in word2id.items()}
wids = [[word2id[w] for w in text.text_to_word_sequence(doc)] for doc in norm_bible]

vocab_size = len(word2id)
embed_size = 100
window_size = 2""",
    "q_pairs": """def generate_context_word_pairs(corpus, window_size, vocab_size):
    context_length = window_size * 2
    for words in corpus:
        sentence_length = len(words)
        for index, word in enumerate(words):
            context_words = []
            label_word = []
            start = index - window_size
            end = index + window_size + 1
            context_words.append([words[i] for i in range(start, end)
                                  if 0 <= i < sentence_length and i != index])
            label_word.append(word)
            x = sequence.pad_sequences(context_words, maxlen=context_length)
            y = keras.utils.to_categorical(label_word, vocab_size)
            yield (x, y)""",
    "q_cbow": """cbow = Sequential()
cbow.add(Embedding(input_dim=vocab_size, output_dim=embed_size, input_length=window_size * 2))
cbow.add(Lambda(lambda x: K.mean(x, axis=1), output_shape=(embed_size,)))
cbow.add(Dense(vocab_size, activation="softmax"))
cbow.compile(loss="categorical_crossentropy", optimizer="rmsprop")
cbow.summary()""",
    "q_cbow_train": """cbow_losses = []
best_epoch, best_loss = None, float("inf")
for epoch in range(1, 5):
    loss = 0.0
    i = 0
    for x, y in generate_context_word_pairs(corpus=wids, window_size=window_size,
                                            vocab_size=vocab_size):
        i += 1
        loss += cbow.train_on_batch(x, y)
        if i % 100000 == 0:
            print("Processed {} (context, word) pairs".format(i))
    if loss < best_loss:
        best_epoch, best_loss = epoch, loss
    cbow_losses.append(loss)
    print("Epoch:", epoch, "\\tLoss:", loss)
history_table = pd.DataFrame({"epoch": range(1, 5), "loss": cbow_losses}).set_index("epoch")""",
    "q_cbow_embeddings": """cbow_weights = cbow.get_weights()[0]
cbow_weights = cbow_weights[1:]
print(cbow_weights.shape)""",
    "q_nearest": """probe_words = ["god", "lord", "son", "wife", "land"]
unit = sg_weights / np.linalg.norm(sg_weights, axis=1, keepdims=True)
vocab_words = list(id2word.values())[1:]
similar_words = {}
for word in probe_words:
    scores = unit @ unit[word2id[word] - 1]
    order = [i for i in np.argsort(-scores) if vocab_words[i] != word][:5]
    similar_words[word] = [vocab_words[i] for i in order]
similar_words""",
}

BEN = {  # ana's work, disguised
    "q_corpus": """bible = gutenberg.sents("bible-kjv.txt")[1000:2000]
remove_terms = punctuation + "0123456789"
# clean every sentence: lower case, no punctuation or digits
norm_bible = [[tok.lower() for tok in s if tok not in remove_terms]
              for s in bible]
norm_bible = [' '.join(toks) for toks in norm_bible]   # back to strings
norm_bible = [line for line in norm_bible if len(line.split()) > 2]
print("kept", len(norm_bible))

tok = text.Tokenizer()
tok.fit_on_texts(norm_bible)
word2id = tok.word_index
word2id['PAD'] = 0
id2word = {idx: w for w, idx in word2id.items()}
wids = [[word2id[t] for t in text.text_to_word_sequence(d)]
        for d in norm_bible]

vocab_size = len(word2id)
embed_size = 100
window_size = 2""",
    "q_pairs": """def generate_context_word_pairs(corpus, window_size, vocab_size):
    # 2 * window words around each target
    ctx_len = window_size * 2
    for sent in corpus:
        n = len(sent)
        for pos, target in enumerate(sent):
            ctx = []
            lab = []
            lo = pos - window_size
            hi = pos + window_size + 1
            ctx.append([sent[k] for k in range(lo, hi) if 0 <= k < n and k != pos])
            lab.append(target)
            print(ctx) if False else None
            X = sequence.pad_sequences(ctx, maxlen=ctx_len)
            Y = keras.utils.to_categorical(lab, vocab_size)
            yield (X, Y)""",
    "q_cbow": """cbow = Sequential()
cbow.add(Embedding(input_dim=vocab_size,
                   output_dim=embed_size,
                   input_length=window_size * 2))
cbow.add(Lambda(lambda t: K.mean(t, axis=1), output_shape=(embed_size,)))  # average
cbow.add(Dense(vocab_size, activation='softmax'))
cbow.compile(loss='categorical_crossentropy', optimizer='rmsprop')
cbow.summary()""",
    "q_cbow_train": """cbow_losses = []
best_ep, lowest = None, float('inf')
for epoch in range(1, 5):
    loss = 0.0
    i = 0
    for a, b in generate_context_word_pairs(corpus=wids, window_size=window_size, vocab_size=vocab_size):
        i += 1
        loss += cbow.train_on_batch(a, b)
        if i % 100000 == 0:
            print('Processed {} (context, word) pairs'.format(i))
    if loss < lowest:
        best_ep, lowest = epoch, loss
    cbow_losses.append(loss)
    print("Epoch:", epoch, "\\tLoss:", loss)
    print("best so far", best_ep)
losses_df = pd.DataFrame({'epoch': range(1, 5), 'loss': cbow_losses}).set_index('epoch')""",
    "q_cbow_embeddings": """cbow_weights = cbow.get_weights()[0]
cbow_weights = cbow_weights[1:]
print(cbow_weights.shape)""",
    "q_nearest": """probe_words = ["god", "lord", "son", "wife", "land"]
normed = sg_weights / np.linalg.norm(sg_weights, axis=1, keepdims=True)  # unit rows
words = list(id2word.values())[1:]
similar_words = {}
for w in probe_words:
    sims = normed @ normed[word2id[w] - 1]
    top = [j for j in np.argsort(-sims) if words[j] != w][:5]
    similar_words[w] = [words[j] for j in top]
    print(w, similar_words[w])
similar_words""",
}
BEN_ORDER = ["q_pairs", "q_corpus", "q_cbow", "q_nearest", "q_cbow_train", "q_cbow_embeddings"]

CHLOE = {
    "q_corpus": """bible = gutenberg.sents("bible-kjv.txt")[1000:2000]
remove_terms = punctuation + "0123456789"
norm_bible = []
for sentence in bible:
    kept = []
    for token in sentence:
        if token in remove_terms:
            continue
        kept.append(token.lower())
    if len(kept) >= 3:
        norm_bible.append(" ".join(kept))

tokenizer = text.Tokenizer(lower=True)
tokenizer.fit_on_texts(norm_bible)
word2id = dict(tokenizer.word_index)
word2id.update(PAD=0)
id2word = dict(zip(word2id.values(), word2id.keys()))
wids = list(map(lambda line: [word2id[t] for t in text.text_to_word_sequence(line)], norm_bible))

vocab_size = len(word2id)
embed_size = 100
window_size = 2""",
    "q_pairs": """def generate_context_word_pairs(corpus, window_size, vocab_size):
    span = 2 * window_size
    for sentence in corpus:
        length = len(sentence)
        for centre in range(length):
            lo = max(0, centre - window_size)
            hi = min(length, centre + window_size + 1)
            neighbours = [sentence[j] for j in range(lo, hi) if j != centre]
            padded = sequence.pad_sequences([neighbours], maxlen=span)
            target = np.zeros((1, vocab_size), dtype="float32")
            target[0, sentence[centre]] = 1.0
            yield padded, target""",
    "q_cbow": """context_in = keras.Input(shape=(window_size * 2,), dtype="int32")
embedded = Embedding(vocab_size, embed_size)(context_in)
averaged = Lambda(lambda t: K.mean(t, axis=1))(embedded)
probabilities = Dense(vocab_size, activation="softmax")(averaged)
cbow = Model(context_in, probabilities)
cbow.compile(optimizer="rmsprop", loss="categorical_crossentropy")""",
    "q_cbow_train": """cbow_losses = []
for epoch in range(1, 5):
    loss = 0.0
    i = 0
    stream = generate_context_word_pairs(corpus=wids, window_size=window_size,
                                         vocab_size=vocab_size)
    while True:
        try:
            batch_x, batch_y = next(stream)
        except StopIteration:
            break
        loss = loss + cbow.train_on_batch(batch_x, batch_y)
        i = i + 1
    cbow_losses.append(loss)
    print("Epoch:", epoch, "\\tLoss:", loss)""",
    "q_cbow_embeddings": """embedding_layer = [l for l in cbow.layers if isinstance(l, Embedding)][0]
cbow_weights = embedding_layer.get_weights()[0]
cbow_weights = np.delete(cbow_weights, 0, axis=0)""",
    "q_nearest": """probe_words = ["god", "lord", "son", "wife", "land"]
vocabulary = [id2word[k] for k in range(1, vocab_size)]
lengths = np.sqrt((sg_weights ** 2).sum(axis=1))
similar_words = dict()
for probe in probe_words:
    v = sg_weights[word2id[probe] - 1]
    cosine = sg_weights.dot(v) / (lengths * np.sqrt(v.dot(v)))
    ranked = [vocabulary[k] for k in cosine.argsort()[::-1] if vocabulary[k] != probe]
    similar_words[probe] = ranked[:5]""",
}

DAN = {
    "q_corpus": """bible = gutenberg.sents("bible-kjv.txt")[1000:2000]
remove_terms = punctuation + "0123456789"

def clean(sentences):
    out = []
    for s in sentences:
        words = [w.lower() for w in s if w.isalpha()]
        if len(words) > 2:
            out.append(" ".join(words))
    return out

norm_bible = clean(bible)
tokenizer = text.Tokenizer(filters="")
tokenizer.fit_on_texts(norm_bible)
word2id = {w: i for w, i in tokenizer.word_index.items()}
word2id["PAD"] = 0
id2word = {}
for w, i in word2id.items():
    id2word[i] = w
wids = [tokenizer.texts_to_sequences([d])[0] for d in norm_bible]

vocab_size = len(word2id)
embed_size = 100
window_size = 2""",
    "q_pairs": """def generate_context_word_pairs(corpus, window_size, vocab_size):
    width = 2 * window_size
    for s in corpus:
        m = len(s)
        for c in range(m):
            a = max(0, c - window_size)
            b = min(m, c + window_size + 1)
            # the words around c
            around = [s[k] for k in range(a, b) if k != c]
            x = sequence.pad_sequences([around], maxlen=width)
            y = np.zeros((1, vocab_size), dtype="float32")
            y[0, s[c]] = 1.0
            yield x, y""",
    "q_cbow": """cbow = keras.Sequential([
    Embedding(vocab_size, embed_size, input_length=2 * window_size),
    Lambda(lambda e: tf.reduce_mean(e, axis=1)),
    Dense(vocab_size, activation=tf.nn.softmax),
])
cbow.compile(loss=keras.losses.CategoricalCrossentropy(),
             optimizer=keras.optimizers.RMSprop())""",
    "q_cbow_train": """cbow_losses = []
for epoch in range(1, 5):
    loss = 0.0
    i = 0
    for i, (ctx, target) in enumerate(
            generate_context_word_pairs(wids, window_size, vocab_size), start=1):
        loss += float(cbow.train_on_batch(ctx, target))
    cbow_losses.append(loss)
    print(f"epoch {epoch}: {loss:.2f} over {i} pairs")""",
    "q_cbow_embeddings": """cbow_weights = cbow.layers[0].weights[0].numpy()[1:, :]""",
    "q_nearest": """probe_words = ["god", "lord", "son", "wife", "land"]
from numpy.linalg import norm
similar_words = {}
for p in probe_words:
    q = sg_weights[word2id[p] - 1]
    d = [(float(q @ row / (norm(q) * norm(row))), id2word[k + 1])
         for k, row in enumerate(sg_weights)]
    d.sort(reverse=True)
    similar_words[p] = [w for _, w in d if w != p][:5]""",
}

EVE = {
    "q_corpus": """bible = gutenberg.sents("bible-kjv.txt")[1000:2000]
remove_terms = punctuation + "0123456789"
translator = str.maketrans("", "", remove_terms)
norm_bible = [" ".join(sent).translate(translator).lower() for sent in bible]
norm_bible = [" ".join(line.split()) for line in norm_bible]
norm_bible = [line for line in norm_bible if line.count(" ") >= 2]

tokenizer = text.Tokenizer(oov_token=None)
tokenizer.fit_on_texts(norm_bible)
word2id = tokenizer.word_index.copy()
word2id.setdefault("PAD", 0)
id2word = {index: token for token, index in word2id.items()}
wids = tokenizer.texts_to_sequences(norm_bible)

vocab_size = len(word2id)
embed_size = 100
window_size = 2""",
    "q_pairs": """def generate_context_word_pairs(corpus, window_size, vocab_size):
    for ids in corpus:
        padded = [0] * window_size + list(ids) + [0] * window_size
        for k, target in enumerate(ids):
            window = padded[k:k + 2 * window_size + 1]
            context = window[:window_size] + window[window_size + 1:]
            context = [w for w in context if w != 0]
            x = sequence.pad_sequences([context], maxlen=2 * window_size)
            yield x, keras.utils.to_categorical([target], vocab_size)""",
    "q_cbow": """cbow = Sequential(name="cbow")
cbow.add(Embedding(vocab_size, embed_size, input_length=window_size * 2, name="emb"))
cbow.add(keras.layers.GlobalAveragePooling1D())
cbow.add(Dense(vocab_size, activation="softmax", name="out"))
cbow.compile(optimizer=keras.optimizers.RMSprop(), loss="categorical_crossentropy")""",
    "q_cbow_train": """cbow_losses = []
for epoch in range(1, 5):
    loss = 0.0
    i = 0
    total = sum(cbow.train_on_batch(*pair) for pair in
                generate_context_word_pairs(wids, window_size, vocab_size))
    loss = total
    cbow_losses.append(loss)
    print("Epoch:", epoch, "\\tLoss:", loss)""",
    "q_cbow_embeddings": ANA["q_cbow_embeddings"],  # the lecture's two lines, like ana's
    "q_nearest": """probe_words = ["god", "lord", "son", "wife", "land"]
import pandas as pd
frame = pd.DataFrame(sg_weights, index=[id2word[k] for k in range(1, vocab_size)])
unit_rows = frame.div(np.sqrt((frame ** 2).sum(axis=1)), axis=0)
similar_words = {}
for name in probe_words:
    col = unit_rows.dot(unit_rows.loc[name]).drop(name)
    similar_words[name] = col.nlargest(5).index.tolist()""",
}

FRANK = {  # last term
    "q_pairs": """def generate_context_word_pairs(corpus, window_size, vocab_size):
    n_ctx = window_size * 2
    for line in corpus:
        for t in range(len(line)):
            left = line[max(0, t - window_size):t]
            right = line[t + 1:t + 1 + window_size]
            ctx_ids = list(left) + list(right)
            xs = sequence.pad_sequences([ctx_ids], maxlen=n_ctx, padding="pre")
            ys = keras.utils.to_categorical([line[t]], num_classes=vocab_size)
            yield xs, ys""",
    "q_cbow": """cbow = Sequential()
cbow.add(Embedding(vocab_size, embed_size, input_length=2 * window_size,
                   embeddings_initializer="uniform"))
cbow.add(Lambda(lambda m: K.mean(m, axis=1), output_shape=(embed_size,)))
cbow.add(Dense(vocab_size))
cbow.add(keras.layers.Activation("softmax"))
cbow.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop(0.001))""",
    "q_cbow_train": """cbow_losses = []
for epoch in range(1, 5):
    loss = 0.0
    i = 0
    seen = 0
    for xs, ys in generate_context_word_pairs(wids, window_size, vocab_size):
        step = cbow.train_on_batch(xs, ys)
        loss += step
        seen += len(xs)
        if seen and seen % 5000 == 0:
            print("...", seen, "pairs, running loss", loss / seen)
    cbow_losses.append(loss)
    print("Epoch:", epoch, "\\tLoss:", loss)""",
    "q_nearest": """probe_words = ["god", "lord", "son", "wife", "land"]
similar_words = {}
normalised = sg_weights / np.sqrt(np.einsum("ij,ij->i", sg_weights, sg_weights))[:, None]
for probe in probe_words:
    row = word2id[probe] - 1
    scores = normalised.dot(normalised[row])
    scores[row] = -np.inf
    similar_words[probe] = [id2word[int(k) + 1] for k in np.argpartition(-scores, 5)[:5]]""",
}

GINA = {  # frank's notebook, lightly disguised
    "q_pairs": """def generate_context_word_pairs(corpus, window_size, vocab_size):
    ctx_size = window_size * 2
    for sentence in corpus:
        for pos in range(len(sentence)):
            before = sentence[max(0, pos - window_size):pos]
            after = sentence[pos + 1:pos + 1 + window_size]
            ids = list(before) + list(after)   # context ids
            X = sequence.pad_sequences([ids], maxlen=ctx_size, padding='pre')
            Y = keras.utils.to_categorical([sentence[pos]], num_classes=vocab_size)
            yield X, Y""",
    "q_cbow": """cbow = Sequential()
cbow.add(Embedding(vocab_size, embed_size, input_length=2 * window_size, embeddings_initializer='uniform'))
cbow.add(Lambda(lambda z: K.mean(z, axis=1), output_shape=(embed_size,)))
cbow.add(Dense(vocab_size))
cbow.add(keras.layers.Activation('softmax'))
cbow.compile(loss='categorical_crossentropy', optimizer=keras.optimizers.RMSprop(0.001))""",
    "q_cbow_train": """cbow_losses = []
for epoch in range(1, 5):
    loss = 0.0
    i = 0
    count = 0
    for X, Y in generate_context_word_pairs(wids, window_size, vocab_size):
        l = cbow.train_on_batch(X, Y)
        loss += l
        count += len(X)
        if count and count % 5000 == 0:
            print('...', count, 'pairs, running loss', loss / count)
    cbow_losses.append(loss)
    print("Epoch:", epoch, "\\tLoss:", loss)""",
    "q_nearest": """probe_words = ["god", "lord", "son", "wife", "land"]
similar_words = {}
unit = sg_weights / np.sqrt(np.einsum('ij,ij->i', sg_weights, sg_weights))[:, None]
for word in probe_words:
    r = word2id[word] - 1
    s = unit.dot(unit[r])
    s[r] = -np.inf
    similar_words[word] = [id2word[int(j) + 1] for j in np.argpartition(-s, 5)[:5]]""",
}

THIS_TERM = {"ana": ANA, "ben": BEN, "chloe": CHLOE, "dan": DAN, "eve": EVE, "gina": GINA}
LAST_TERM = {"frank": FRANK}


def student_notebook(skeleton: dict, answers: dict[str, str], order: list[str] | None = None):
    """The skeleton with each answered question's cell (the code cell just before its check)
    replaced; ``order`` moves those question blocks (answer cell and check) into that order."""
    notebook = copy.deepcopy(skeleton)
    cells = notebook["cells"]
    blocks = {}
    for i, cell in enumerate(cells):
        found = CHECK.search("".join(cell["source"])) if cell["cell_type"] == "code" else None
        if found and found.group(1) in answers:
            answer = max(j for j in range(i) if cells[j]["cell_type"] == "code")
            cells[answer]["source"] = answers[found.group(1)]
            blocks[found.group(1)] = (answer, i)
    if order:
        moved = [cells[j] for q in order for j in blocks[q]]
        taken = {j for q in order for j in blocks[q]}
        first = min(taken)
        rest = [c for j, c in enumerate(cells) if j not in taken]
        cells[:] = rest[:first] + moved + rest[first:]
    return notebook


def write_class(skeleton_path: Path, folder: Path, students: dict[str, dict], **orders) -> Path:
    """One notebook per student under ``folder`` (Moodle's flat layout would do as well)."""
    skeleton = json.loads(skeleton_path.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    for number, (name, answers) in enumerate(sorted(students.items()), start=1):
        notebook = student_notebook(skeleton, answers, orders.get(name))
        moodle = folder / f"{name.title()} Student_{1000 + number}_assignsubmission_file_"
        moodle.mkdir()
        (moodle / "word2vec.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return folder
