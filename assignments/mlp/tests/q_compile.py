from otter.test_files import test_case

OK_FORMAT = False

name = "q_compile"
points = 2.0

@test_case(points=0, hidden=False)
def test_compiled(model, y_train):
    import numpy as np
    from autograder import checks
    assert getattr(model, 'optimizer', None) is not None, 'compile the model first'
    if getattr(y_train, 'ndim', None) == 1:
        assert checks.loss_name(model) != 'categorical_crossentropy', 'y_train holds class ids (integer labels); categorical_crossentropy expects one-hot rows'
    if checks.dense_stack(model)[-1][1] == 'softmax':
        assert not checks.loss_from_logits(model), 'the model outputs probabilities (softmax): from_logits must stay False'
    name, config = checks.optimizer_config(model)
    assert name == 'SGD' and config.get('nesterov') is True, 'the question asks for SGD with Nesterov momentum'

