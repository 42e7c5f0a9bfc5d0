"""What the verdict keeps of a model's fit records and loss settings: plain, bounded data."""

from __future__ import annotations

from autograder.grade.verdict.standins import fit_records, loss_settings


def test_fit_records_keep_only_well_formed_plain_entries():
    good = {"labels": {"rows": 5, "head": [1, 2]}, "inputs": ["0123456789abcdef"],
            "validation": None, "validation_split": 0.2}  # fmt: skip
    bad_head = {"labels": {"rows": 5, "head": ["x"]}, "validation": {"labels": 7}}
    too_long = {"labels": {"rows": 5, "head": list(range(65))}}
    records = fit_records({"fits": [good, bad_head, too_long, "junk", *[good] * 30]})
    assert len(records) == 19  # at most 20 entries read, the string among them dropped
    assert records[0] == good
    assert records[1] == {
        "labels": None, "inputs": None, "validation": {"labels": None, "inputs": None},
        "validation_split": 0.0,
    }  # fmt: skip
    forged = fit_records({"fits": [{**good, "inputs": ["../../etc", 7]}]})
    assert forged[0]["inputs"] is None, "input hashes are short hex strings, nothing else"
    assert records[2]["labels"] is None
    assert fit_records({"fits": "not a list"}) == []


def test_loss_settings_only_for_known_loss_classes_and_plain_values():
    compiled = {
        "loss_class": "SparseCategoricalCrossentropy",
        "loss_config": {"from_logits": True, "reduction": "auto", "evil": "x", "fn": {"a": 1}},
    }
    assert loss_settings(compiled) == {"from_logits": True, "reduction": "auto"}
    assert loss_settings({"loss_class": "MyLoss", "loss_config": {"from_logits": True}}) == {}


def test_the_graph_of_a_model_not_rebuilt_says_which_layers_each_input_feeds():
    import json

    from autograder.grade.verdict.standins import input_feeds

    def layer(name, *inbound):
        return {
            "name": name,
            "inbound_nodes": [[[i, 0, 0, {}] for i in inbound]] if inbound else [],
        }

    config = {"config": {
        "input_layers": [["context_in", 0, 0], ["target_in", 0, 0]],
        "layers": [layer("context_in"), layer("target_in"),
                   layer("context_embedding", "context_in"), layer("target_embedding", "target_in"),
                   layer("dot", "target_embedding", "context_embedding"),
                   layer("lambda", "dot"), layer("dense", "lambda")],
    }}  # fmt: skip
    feeds = input_feeds(json.dumps(config))
    assert feeds[0][0] == "context_embedding" and feeds[1][0] == "target_embedding"
    assert input_feeds('{"class_name": "Sequential"}') == []
    assert input_feeds("not json") == []
