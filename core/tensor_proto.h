// File: tensor_proto.h
//
// Conversions between Eigen matrices and v1::Tensor (row-major floats), and
// between a Network's weights and v1::LayerWeights.
#ifndef FLN_CORE_TENSOR_PROTO_H_
#define FLN_CORE_TENSOR_PROTO_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/matrix.h"
#include "core/network.h"
#include "proto/model.pb.h"

namespace fln {

void MatrixToTensor(const Matrix& m, v1::Tensor* tensor);

// Returns DATA_LOSS naming `what` if the value count does not match
// rows x cols, the shape is negative, or a value is not finite.
absl::StatusOr<Matrix> TensorToMatrix(const v1::Tensor& tensor, const std::string& what);

void LayerToProto(const Layer& layer, v1::LayerWeights* proto);

// Returns DATA_LOSS if the shapes differ from (rows x cols, rows) or a value
// is not finite.
absl::Status LayerFromProto(const v1::LayerWeights& proto, int rows, int cols,
                            const std::string& what, Layer* layer);

// Every layer of `net` (weights and biases) into `layers`, replacing them.
void NetworkToProto(const Network& net,
                    google::protobuf::RepeatedPtrField<v1::LayerWeights>* layers);

// Loads weights saved by NetworkToProto into `net`, whose architecture must
// match (DATA_LOSS otherwise).
absl::Status NetworkFromProto(const google::protobuf::RepeatedPtrField<v1::LayerWeights>& layers,
                              Network* net);

}  // namespace fln

#endif  // FLN_CORE_TENSOR_PROTO_H_
