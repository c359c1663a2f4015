#include "core/tensor_proto.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace fln {

void MatrixToTensor(const Matrix& m, v1::Tensor* tensor) {
  tensor->set_rows(static_cast<int32_t>(m.rows()));
  tensor->set_cols(static_cast<int32_t>(m.cols()));
  tensor->mutable_values()->Resize(static_cast<int>(m.size()), 0.0f);
  Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      tensor->mutable_values()->mutable_data(), m.rows(), m.cols()) = m;
}

absl::StatusOr<Matrix> TensorToMatrix(const v1::Tensor& tensor, const std::string& what) {
  if (tensor.rows() < 0 || tensor.cols() < 0 ||
      static_cast<int64_t>(tensor.rows()) * tensor.cols() != tensor.values_size()) {
    return absl::DataLossError(absl::StrCat(what, ": tensor of shape ", tensor.rows(), "x",
                                            tensor.cols(), " holds ", tensor.values_size(),
                                            " values"));
  }
  Matrix m = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      tensor.values().data(), tensor.rows(), tensor.cols());
  if (!m.allFinite()) return absl::DataLossError(absl::StrCat(what, ": non-finite value"));
  return m;
}

void LayerToProto(const Layer& layer, v1::LayerWeights* proto) {
  MatrixToTensor(layer.weight, proto->mutable_weight());
  MatrixToTensor(layer.bias, proto->mutable_bias());
}

absl::Status LayerFromProto(const v1::LayerWeights& proto, int rows, int cols,
                            const std::string& what, Layer* layer) {
  FLN_ASSIGN_OR_RETURN(Matrix weight, TensorToMatrix(proto.weight(), what + ".weight"));
  FLN_ASSIGN_OR_RETURN(Matrix bias, TensorToMatrix(proto.bias(), what + ".bias"));
  if (weight.rows() != rows || weight.cols() != cols || bias.rows() != rows || bias.cols() != 1) {
    return absl::DataLossError(absl::StrCat(what, ": expected weight ", rows, "x", cols,
                                            " and bias ", rows, "x1, got ", weight.rows(), "x",
                                            weight.cols(), " and ", bias.rows(), "x",
                                            bias.cols()));
  }
  layer->weight = std::move(weight);
  layer->bias = bias.col(0);
  return absl::OkStatus();
}

void NetworkToProto(const Network& net,
                    google::protobuf::RepeatedPtrField<v1::LayerWeights>* layers) {
  layers->Clear();
  for (const Layer& layer : net.layers()) LayerToProto(layer, layers->Add());
}

absl::Status NetworkFromProto(const google::protobuf::RepeatedPtrField<v1::LayerWeights>& layers,
                              Network* net) {
  if (layers.size() != net->num_layers()) {
    return absl::DataLossError(absl::StrCat("checkpoint has ", layers.size(),
                                            " layers, the model spec ", net->num_layers()));
  }
  for (int l = 0; l < net->num_layers(); ++l) {
    FLN_RETURN_IF_ERROR(LayerFromProto(layers[l], net->layer(l).units(),
                                       static_cast<int>(net->layer(l).weight.cols()),
                                       absl::StrCat("layers[", l, "]"),
                                       &net->mutable_layer(l)));
  }
  return absl::OkStatus();
}

}  // namespace fln
