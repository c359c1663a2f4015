#include "tests/teacher_dataset.h"

#include "core/network.h"
#include "core/rng.h"
#include "core/softmax.h"

namespace fln {

TeacherData MakeTeacherData(int features, int hidden, int classes, int train_samples,
                            int test_samples, uint64_t seed) {
  v1::ModelSpec spec;
  spec.set_input_size(features);
  spec.add_layers()->mutable_dense()->set_units(hidden);
  spec.add_layers()->mutable_dense()->set_units(classes);
  Network teacher = Network::Create(spec).value();
  Rng rng(seed);
  teacher.InitGlorotUniform(0.0f, &rng);
  // Scale up so the teacher's decisions are sharp but not degenerate.
  for (Layer& layer : teacher.mutable_layers()) layer.weight *= 1.5f;

  auto make = [&](int n) {
    Dataset data;
    data.features.resize(features, n);
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < features; ++i) data.features(i, j) = rng.UniformFloat();
    }
    data.num_classes = classes;
    return data;
  };
  Dataset train = make(train_samples);
  Dataset test = make(test_samples);
  // Centre the hidden pre-activations and logits on the training inputs.
  const Vector mean_input = train.features.rowwise().mean();
  teacher.mutable_layer(0).bias = -teacher.layer(0).weight * mean_input;
  Matrix hidden_train = (teacher.layer(0).weight * train.features).colwise() +
                        teacher.layer(0).bias;
  hidden_train = hidden_train.cwiseMax(0.0f);
  teacher.mutable_layer(1).bias = -teacher.layer(1).weight * hidden_train.rowwise().mean();

  for (Dataset* data : {&train, &test}) {
    data->labels = ArgmaxColumns(teacher.Logits(data->features));
  }
  return TeacherData{std::move(train), std::move(test)};
}

}  // namespace fln
