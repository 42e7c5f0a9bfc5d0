"""The lecture's word2vec half (CBOW and skip-gram on KJV Bible sentences 1000-2000), as plain
functions: the source of the word2vec assignment's answers.

Everything runs on tf-keras (legacy Keras 2); ``reference/__init__.py`` sets
``TF_USE_LEGACY_KERAS=1`` before TensorFlow is imported. Set ``NLTK_DATA`` to
``shared/data/nltk_data`` so the Gutenberg corpus loads offline.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from string import punctuation

import numpy as np

# ---------------------------------------------------------------- bible 数据集


def load_bible_sentences(start: int = 1000, stop: int = 2000) -> list[list[str]]:
    """The lecture's corpus: NLTK's sentence-split KJV Bible, only lines [1000:2000]."""
    from nltk.corpus import gutenberg

    bible = gutenberg.sents("bible-kjv.txt")
    return [list(sent) for sent in bible[start:stop]]


def normalize_bible(sentences: Iterable[Sequence[str]]) -> list[str]:
    """The lecture's cleaning, quirk included: ``word not in remove_terms`` is a *substring* test,
    so besides punctuation and single digits it also drops tokens such as '12', '23', '34'
    (substrings of '0123456789') while keeping '24' or '36'. Sentences of <= 2 words are dropped."""
    remove_terms = punctuation + "0123456789"
    norm_bible = [[word.lower() for word in sent if word not in remove_terms] for sent in sentences]
    norm_bible = [" ".join(tok_sent) for tok_sent in norm_bible]
    norm_bible = [tok_sent for tok_sent in norm_bible if len(tok_sent.split()) > 2]
    return norm_bible


# ---------------------------------------------------------------- 步骤1: 建立词索引


def build_vocabulary(
    norm_bible: Sequence[str],
) -> tuple[dict[str, int], dict[int, str], list[list[int]]]:
    """Keras Tokenizer ids (1 = most frequent word) plus 'PAD' = 0 for the padding of short
    windows; returns (word2id, id2word, wids) with wids the id sequence of every sentence."""
    from tensorflow.keras.preprocessing import text

    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts(norm_bible)
    word2id = tokenizer.word_index
    word2id["PAD"] = 0
    id2word = {v: k for k, v in word2id.items()}
    wids = [[word2id[w] for w in text.text_to_word_sequence(doc)] for doc in norm_bible]
    return word2id, id2word, wids


# ---------------------------------------------------------------- 步骤2: (context, target) 对


def generate_context_word_pairs(
    corpus: Iterable[Sequence[int]], window_size: int, vocab_size: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield one (context, target) pair per word: x is the up-to-2*window_size neighbour ids,
    left-padded with PAD (0) to shape (1, 2*window_size); y is the one-hot target, shape
    (1, vocab_size). (The lecture's printed code yields once per sentence because its
    ``yield`` sits one level too far out; its printed output, and this function, are per word.)"""
    from tensorflow import keras
    from tensorflow.keras.preprocessing import sequence

    context_length = window_size * 2
    for words in corpus:
        sentence_length = len(words)
        for index, word in enumerate(words):
            context_words = []
            label_word = []
            start = index - window_size
            end = index + window_size + 1

            context_words.append(
                [words[i] for i in range(start, end) if 0 <= i < sentence_length and i != index]
            )
            label_word.append(word)

            x = sequence.pad_sequences(context_words, maxlen=context_length)
            y = keras.utils.to_categorical(label_word, vocab_size)
            yield (x, y)


# ---------------------------------------------------------------- 步骤3: CBOW 神经网络


def build_cbow(vocab_size: int, embed_size: int = 100, window_size: int = 2):
    """Embedding of the 2*window_size context ids -> mean over the context (word order ignored)
    -> softmax over the vocabulary; a vocab_size-way classifier of the centre word."""
    from tensorflow import keras
    from tensorflow.keras.layers import Dense, Embedding, Lambda
    from tensorflow.keras.models import Sequential

    K = keras.backend

    cbow = Sequential()
    cbow.add(Embedding(input_dim=vocab_size, output_dim=embed_size, input_length=window_size * 2))
    cbow.add(Lambda(lambda x: K.mean(x, axis=1), output_shape=(embed_size,)))
    cbow.add(Dense(vocab_size, activation="softmax"))
    cbow.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    return cbow


def count_cbow_params(vocab_size: int, embed_size: int) -> int:
    """Embedding vocab*embed + Dense weights embed*vocab + Dense biases vocab
    (2066, 100 -> 206,600 + 208,666 = 415,266)."""
    return vocab_size * embed_size + embed_size * vocab_size + vocab_size


# ---------------------------------------------------------------- 步骤4: 训练


def train_cbow(
    model,
    wids: Sequence[Sequence[int]],
    window_size: int,
    vocab_size: int,
    epochs: int,
    max_batches: int | None = None,
    verbose: bool = False,
) -> list[float]:
    """The lecture's loop: one train_on_batch per (context, word) pair; returns each epoch's
    summed loss. max_batches stops every epoch early (for quick checks)."""
    losses = []
    for epoch in range(1, epochs + 1):
        loss = 0.0
        i = 0
        for x, y in generate_context_word_pairs(
            corpus=wids, window_size=window_size, vocab_size=vocab_size
        ):
            if max_batches is not None and i >= max_batches:
                break
            i += 1
            loss += float(model.train_on_batch(x, y))
            if verbose and i % 100000 == 0:
                print(f"Processed {i} (context, word) pairs")
        if verbose:
            print("Epoch:", epoch, "\tLoss:", loss)
        losses.append(loss)
    return losses


def cbow_word_embeddings(model):
    """The Embedding layer's matrix without the PAD row: row r is the vector of word id r + 1."""
    return model.get_weights()[0][1:]


# ---------------------------------------------------------------- Skip-gram


def generate_skipgrams(
    wids: Sequence[Sequence[int]], vocab_size: int, window_size: int, seed: int | None = None
) -> list[tuple[list[list[int]], list[int]]]:
    """``skipgrams()`` on each sentence: (target, context) pairs labelled 1 for every word within
    window_size, plus as many (target, random word) pairs labelled 0, shuffled.

    ``skipgrams(seed=...)`` only seeds the final shuffle; the negative words come from Python's
    global ``random`` before that. So with a seed we also seed ``random`` (and restore its
    state afterwards) to make the whole result reproducible."""
    from tensorflow.keras.preprocessing.sequence import skipgrams

    if seed is None:
        return [skipgrams(wid, vocabulary_size=vocab_size, window_size=window_size) for wid in wids]
    state = random.getstate()
    try:
        random.seed(seed)
        return [
            skipgrams(wid, vocabulary_size=vocab_size, window_size=window_size, seed=seed + i)
            for i, wid in enumerate(wids)
        ]
    finally:
        random.setstate(state)


def build_skipgram(vocab_size: int, embed_size: int = 100):
    """Two embeddings (target word, context word) -> dot product -> Dense sigmoid: a binary
    "are these two words neighbours?" classifier. Sequential only chains one input, so the
    two Sequential branches are joined with the functional Model."""
    from tensorflow.keras.layers import Dense, Dot, Embedding, Reshape
    from tensorflow.keras.models import Model, Sequential

    word_model = Sequential()
    word_model.add(
        Embedding(vocab_size, embed_size, embeddings_initializer="glorot_uniform", input_length=1)
    )
    word_model.add(Reshape((embed_size,)))
    context_model = Sequential()
    context_model.add(
        Embedding(vocab_size, embed_size, embeddings_initializer="glorot_uniform", input_length=1)
    )
    context_model.add(Reshape((embed_size,)))
    model_arch = Dot(axes=1)([word_model.output, context_model.output])
    model_arch = Dense(1, kernel_initializer="glorot_uniform", activation="sigmoid")(model_arch)
    model = Model([word_model.input, context_model.input], model_arch)
    model.compile(loss="mean_squared_error", optimizer="rmsprop")
    return model


def count_skipgram_params(vocab_size: int, embed_size: int) -> int:
    """Two vocab*embed embeddings + Dense(1) on the dot product (1 weight, 1 bias)
    (2066, 100 -> 2 * 206,600 + 2 = 413,202)."""
    return 2 * vocab_size * embed_size + 2


def train_skipgram(
    model,
    skip_grams: Sequence[tuple[Sequence[Sequence[int]], Sequence[int]]],
    epochs: int,
    max_batches: int | None = None,
    verbose: bool = False,
) -> list[float]:
    """The lecture's loop: one train_on_batch per sentence's (pairs, labels); returns each
    epoch's summed loss. max_batches stops every epoch early (for quick checks)."""
    losses = []
    for epoch in range(1, epochs + 1):
        loss = 0.0
        for i, elem in enumerate(skip_grams):
            if max_batches is not None and i >= max_batches:
                break
            if not elem[0]:  # a sentence of PADs only gives no pairs
                continue
            pair_first_elem = np.array(list(zip(*elem[0], strict=True))[0], dtype="int32")
            pair_second_elem = np.array(list(zip(*elem[0], strict=True))[1], dtype="int32")
            labels = np.array(elem[1], dtype="int32")
            X = [pair_first_elem, pair_second_elem]
            Y = labels
            if verbose and i % 10000 == 0:
                print(f"Processed {i} (skip_first, skip_second, relevance) pairs")
            loss += float(model.train_on_batch(X, Y))
        if verbose:
            print("Epoch:", epoch, "Loss:", loss)
        losses.append(loss)
    return losses


def skipgram_word_layer(model):
    """The target-word Embedding: the one fed by the model's first input (``model.layers[2]``
    in the lecture's build, but layer order follows the graph, not the input order)."""
    import tensorflow as tf
    from tensorflow.keras.layers import Embedding

    word_input = model.inputs[0]
    for layer in model.layers:
        if isinstance(layer, Embedding):
            for node in layer.inbound_nodes:
                if any(t is word_input for t in tf.nest.flatten(node.input_tensors)):
                    return layer
    raise ValueError("no Embedding layer is fed by the model's first input")


def skipgram_word_embeddings(model):
    """The target-word embedding matrix without the PAD row: row r is word id r + 1."""
    return skipgram_word_layer(model).get_weights()[0][1:]


# ---------------------------------------------------------------- 词向量: 最近的词


def nearest_words(
    weights: np.ndarray,
    id2word: dict[int, str],
    words: Iterable[str],
    k: int = 5,
    metric: str = "cosine",
) -> dict[str, list[str]]:
    """The k words closest to each query word, the word itself excluded. ``weights`` rows are
    word ids 1..N (PAD row removed). metric='cosine' (default: ignores vector length, which
    mostly tracks frequency) or 'euclidean' (what the classic tutorial's
    ``euclidean_distances`` uses); ties keep the lower id first."""
    weights = np.asarray(weights, dtype=np.float64)
    row_of = {word: wid - 1 for wid, word in id2word.items() if 1 <= wid <= len(weights)}
    if metric == "cosine":
        unit = weights / np.maximum(np.linalg.norm(weights, axis=1, keepdims=True), 1e-12)
    elif metric != "euclidean":
        raise ValueError(f"metric must be 'cosine' or 'euclidean', not {metric!r}")

    result = {}
    for word in words:
        row = row_of[word]
        if metric == "cosine":
            distance = 1.0 - unit @ unit[row]
        else:
            distance = np.linalg.norm(weights - weights[row], axis=1)
        distance[row] = np.inf
        nearest = np.argsort(distance, kind="stable")[:k]
        result[word] = [id2word[int(r) + 1] for r in nearest]
    return result
