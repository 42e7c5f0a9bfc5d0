"""Pins reference/mlp.py to the lecture's printed MLP figures (Fashion-MNIST, 784-300-100-10)."""

import math

import numpy as np
import pytest

from reference import mlp  # sets TF_USE_LEGACY_KERAS before tensorflow is imported
from reference.seeding import seed_everything

pytestmark = pytest.mark.slow  # these tests import TensorFlow

# 查看模型结构和参数: the lecture's model.summary()
LECTURE_DENSE_PARAMS = [235_500, 30_100, 1_010]
LECTURE_TOTAL_PARAMS = 266_610
LECTURE_OUTPUT_SHAPES = [(None, 784), (None, 300), (None, 100), (None, 10)]
LECTURE_LAYER_SIZES = [784, 300, 100, 10]
# 课堂小练笔: 100-dimensional input, one hidden layer of 20, 3 classes
DRILL_LAYER_SIZES = [100, 20, 3]
DRILL_TOTAL_PARAMS = 2_083
# Fashion MNIST数据分类
LECTURE_CLASS_NAMES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
LECTURE_Y_TRAIN_HEAD = [4, 0, 7]  # y_train -> array([4, 0, 7, ..., 3, 0, 5])
LECTURE_Y_TRAIN_TAIL = [3, 0, 5]
LECTURE_Y_TEST_HEAD = [9, 2, 1]  # y_test[:3] -> array([9, 2, 1])
LECTURE_SPLIT = {"train": 55_000, "valid": 5_000, "test": 10_000}
LECTURE_STEPS_PER_EPOCH = 1719  # "1719/1719" in the model.fit log, batch size 32
LECTURE_TEST_STEPS = 313  # "313/313" in the model.evaluate log
LECTURE_DROPOUT_RATE = 0.2  # keras.layers.Dropout(rate = 0.2)

SEED = 7
OTHER_SEED = 8
TRAIN_SAMPLES = 2000


def _dense_layers(model):
    from tensorflow import keras

    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


# ---------------------------------------------------------------- 参数量


def test_lecture_param_counts_from_layer_sizes():
    assert mlp.dense_layer_params(LECTURE_LAYER_SIZES) == LECTURE_DENSE_PARAMS
    assert mlp.count_dense_params(LECTURE_LAYER_SIZES) == LECTURE_TOTAL_PARAMS


def test_lecture_param_counts_from_keras_model():
    model = mlp.build_mlp()
    assert model.count_params() == LECTURE_TOTAL_PARAMS
    assert [layer.count_params() for layer in _dense_layers(model)] == LECTURE_DENSE_PARAMS
    # Flatten holds no parameters; the four layers have the summary's output shapes
    assert model.layers[0].count_params() == 0
    assert [tuple(layer.output_shape) for layer in model.layers] == LECTURE_OUTPUT_SHAPES
    assert [layer.activation.__name__ for layer in _dense_layers(model)] == [
        "relu",
        "relu",
        "softmax",
    ]


def test_drill_param_count():
    assert mlp.count_dense_params(DRILL_LAYER_SIZES) == DRILL_TOTAL_PARAMS
    # (weights + biases) by hand, layer by layer
    n_in, n_hidden, n_out = DRILL_LAYER_SIZES
    by_hand = [n_in * n_hidden + n_hidden, n_hidden * n_out + n_out]
    assert mlp.dense_layer_params(DRILL_LAYER_SIZES) == by_hand
    assert sum(by_hand) == DRILL_TOTAL_PARAMS
    model = mlp.build_mlp(hidden_sizes=(20,), n_classes=3, input_shape=(100,))
    assert model.count_params() == DRILL_TOTAL_PARAMS


# ---------------------------------------------------------------- 单个神经元


def _relu(z):
    return max(0.0, z)


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


@pytest.mark.parametrize(
    ("w", "x", "theta", "f"),
    [
        ([1.0, 2.0, 3.0], [0.5, -1.0, 2.0], 0.25, _relu),
        ([1.0, 2.0, 3.0], [0.5, -1.0, -2.0], 0.25, _relu),  # negative pre-activation -> 0
        ([0.3, -0.7], [1.5, 2.5], -0.1, _sigmoid),
        ([0.2, 0.4, -0.6, 0.8], [1.0, -1.0, 0.5, 0.25], 1.5, math.tanh),
        ([2.0], [3.0], -1.0, lambda z: z),
    ],
)
def test_neuron_output_is_f_of_weighted_sum_plus_theta(w, x, theta, f):
    expected = f(sum(wi * xi for wi, xi in zip(w, x, strict=True)) + theta)
    got = mlp.neuron_output(np.array(w), np.array(x), theta, f)
    assert float(got) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_neuron_output_uses_theta_and_f():
    w, x = np.array([1.0, -2.0]), np.array([3.0, 1.0])
    assert mlp.neuron_output(w, x, 0.0, lambda z: z) == pytest.approx(1.0)
    assert mlp.neuron_output(w, x, 2.0, lambda z: z) == pytest.approx(3.0)
    assert mlp.neuron_output(w, x, -2.0, _relu) == pytest.approx(0.0)


# ---------------------------------------------------------------- 模型编译


@pytest.mark.parametrize(
    ("task", "labels", "expected"),
    [
        # 标签y表示为类别索引 -> sparse_categorical_crossentropy
        ("multiclass", "integer", ("softmax", "sparse_categorical_crossentropy")),
        # 标签y表示为one-hot向量 -> categorical_crossentropy
        ("multiclass", "one-hot", ("softmax", "categorical_crossentropy")),
        # 二分类: 最后一层激活用sigmoid, 损失函数选 binary_crossentropy
        ("binary", "integer", ("sigmoid", "binary_crossentropy")),
    ],
)
def test_output_activation_and_loss(task, labels, expected):
    assert mlp.output_activation_and_loss(task, labels) == expected


def test_compiled_model_uses_lecture_loss_and_optimizer():
    model = mlp.compile_mlp(mlp.build_mlp())
    assert model.loss == "sparse_categorical_crossentropy"
    config = model.optimizer.get_config()
    assert config["name"] == "SGD"
    assert config["learning_rate"] == pytest.approx(0.01)
    assert config["momentum"] == pytest.approx(0.9)
    assert config["nesterov"] is True


# ---------------------------------------------------------------- 数据


@pytest.fixture(scope="module")
def fashion():
    return mlp.load_fashion_mnist()


def test_split_shapes(fashion):
    (X_train, y_train), (X_valid, y_valid), (X_test, y_test) = fashion
    for name, (X, y) in zip(LECTURE_SPLIT, fashion, strict=True):
        assert X.shape == (LECTURE_SPLIT[name], 28, 28), name
        assert y.shape == (LECTURE_SPLIT[name],), name
    assert math.ceil(len(X_train) / 32) == LECTURE_STEPS_PER_EPOCH
    assert math.ceil(len(X_test) / 32) == LECTURE_TEST_STEPS


def test_pixels_scaled_to_unit_interval(fashion):
    for X, _ in fashion:
        assert X.min() == 0.0
        assert X.max() == 1.0
        assert np.issubdtype(X.dtype, np.floating)


def test_labels_match_lecture(fashion):
    (_, y_train), (_, y_valid), (_, y_test) = fashion
    assert y_train[:3].tolist() == LECTURE_Y_TRAIN_HEAD
    assert y_train[-3:].tolist() == LECTURE_Y_TRAIN_TAIL
    assert y_test[:3].tolist() == LECTURE_Y_TEST_HEAD
    assert y_test.dtype == np.uint8
    for y in (y_train, y_valid, y_test):  # labels are class indices, not one-hot vectors
        assert y.ndim == 1
        assert set(np.unique(y).tolist()) == set(range(len(LECTURE_CLASS_NAMES)))
    assert mlp.CLASS_NAMES == LECTURE_CLASS_NAMES


def test_validation_is_the_first_5000_training_images(fashion):
    from tensorflow import keras

    (X_train, y_train), (X_valid, y_valid), _ = fashion
    (X_full, y_full), _ = keras.datasets.fashion_mnist.load_data()
    np.testing.assert_array_equal(y_valid, y_full[:5000])
    np.testing.assert_array_equal(y_train, y_full[5000:])
    np.testing.assert_array_equal(X_valid, X_full[:5000] / 255.0)
    np.testing.assert_array_equal(X_train[:100], X_full[5000:5100] / 255.0)


# ---------------------------------------------------------------- Dropout / 初始化


def test_dropout_layers():
    from tensorflow import keras

    model = mlp.build_mlp(dropout_rate=LECTURE_DROPOUT_RATE)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Flatten", "Dense", "Dropout", "Dense", "Dropout", "Dense"]
    dropouts = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert [layer.rate for layer in dropouts] == [LECTURE_DROPOUT_RATE] * 2
    assert model.count_params() == LECTURE_TOTAL_PARAMS
    plain = mlp.build_mlp()
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in plain.layers)


def test_initial_weights_random_and_biases_zero():
    # 权重为初始化为随机值，偏置初始化为0
    seed_everything(7, deterministic_ops=False)
    hidden1 = mlp.build_mlp().layers[1]
    weights, biases = hidden1.get_weights()
    assert weights.shape == (LECTURE_LAYER_SIZES[0], LECTURE_LAYER_SIZES[1])
    assert biases.shape == (LECTURE_LAYER_SIZES[1],)
    assert np.all(biases == 0)
    # a uniform float32 draw can be exactly 0.0 now and then: "almost all", not "all"
    assert np.count_nonzero(weights) >= 0.999 * weights.size
    assert weights.std() > 0
    assert len(np.unique(weights)) > weights.size // 2  # random, not a repeated constant
    # Glorot uniform (Keras's default), which the lecture's printed values respect
    limit = math.sqrt(6 / (LECTURE_LAYER_SIZES[0] + LECTURE_LAYER_SIZES[1]))
    assert np.abs(weights).max() <= limit


# ---------------------------------------------------------------- 训练 / 复现


def _train(seed):
    model, history, _ = mlp.train_reference_mlp(
        seed=seed, epochs=1, max_train_samples=TRAIN_SAMPLES
    )
    return model.get_weights(), history


@pytest.fixture(scope="module")
def runs():
    first = _train(SEED)
    again = _train(SEED)
    other = _train(OTHER_SEED)
    return first, again, other


@pytest.mark.slow
def test_same_seed_gives_identical_weights(runs):
    (first, first_history), (again, again_history), _ = runs
    assert len(first) == len(again) == 6  # 3 Dense layers x (kernel, bias)
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a, b)
    assert first_history.history == again_history.history


@pytest.mark.slow
def test_different_seed_gives_different_weights(runs):
    (first, _), _, (other, _) = runs
    for a, b in zip(first, other, strict=True):
        assert a.shape == b.shape
        assert not np.array_equal(a, b)


@pytest.mark.slow
def test_training_moves_weights_and_logs_lecture_metrics(runs):
    (trained, history), _, _ = runs
    # the fit log's columns: loss - accuracy - val_loss - val_accuracy
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 1 for values in history.history.values())
    biases = trained[1::2]
    assert all(np.any(b != 0) for b in biases)  # biases started at 0 and were trained
    # better than chance (10 classes) after one short epoch
    assert history.history["val_accuracy"][0] > 1 / len(LECTURE_CLASS_NAMES)
