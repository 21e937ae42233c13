"""Writes rows_detector.onnx: a stand-in for a detector of kind "rows" (README, "How faces are matched"), whose
output ignores the picture and always reports one face, so that a test can check how the daemon maps rows back onto
the image. Input [1, 3, 112, 112]; output "faces" [1, 15]: x1 y1 x2 y2 score, then five landmarks as x y pairs, in
input pixels. Run with python `onnx` (1.17.0): python make_rows_detector.py"""
import numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto

row = np.array([[10, 20, 60, 80, 0.99, 25, 40, 45, 40, 35, 55, 27, 68, 43, 68]], np.float32)
nodes = [
    helper.make_node("ReduceMean", ["input"], ["mean"], keepdims=0),
    helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
    helper.make_node("Add", ["row", "nothing"], ["faces"]),
]
graph = helper.make_graph(
    nodes, "rows_detector",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 112, 112])],
    [helper.make_tensor_value_info("faces", TensorProto.FLOAT, [1, 15])],
    [numpy_helper.from_array(row, "row"), numpy_helper.from_array(np.array(0, np.float32), "zero")],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_rows_detector.py")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "rows_detector.onnx")
