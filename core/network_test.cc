#include "core/network.h"

#include <cmath>

#include "core/evaluation.h"
#include "core/model_shorthand.h"
#include "gtest/gtest.h"

namespace fln {
namespace {

TEST(NetworkTest, GlorotInitIsSeededAndWithinTheLimit) {
  const v1::ModelSpec spec = ParseModelShorthand("mlp:30,20", 40, 5).value();
  Network a = Network::Create(spec).value(), b = Network::Create(spec).value();
  Rng rng_a(5), rng_b(5);
  a.InitGlorotUniform(0.1f, &rng_a);
  b.InitGlorotUniform(0.1f, &rng_b);
  for (int l = 0; l < a.num_layers(); ++l) {
    EXPECT_TRUE(a.layer(l).weight == b.layer(l).weight);
    const float limit = std::sqrt(6.0f / (a.widths()[l] + a.widths()[l + 1]));
    EXPECT_LE(a.layer(l).weight.cwiseAbs().maxCoeff(), limit);
    EXPECT_GT(a.layer(l).weight.cwiseAbs().maxCoeff(), 0.5f * limit);
    EXPECT_TRUE((a.layer(l).bias.array() == 0.1f).all());
  }
}

TEST(NetworkTest, ForwardMatchesANaiveLoop) {
  const v1::ModelSpec spec = ParseModelShorthand("mlp:4", 3, 2).value();
  Network net = Network::Create(spec).value();
  Rng rng(1);
  net.InitGlorotUniform(-0.05f, &rng);
  Matrix x(3, 2);
  x << 1, -2, 0.5, 3, -1, 0.25;
  std::vector<Matrix> activations;
  Matrix logits;
  net.Forward(x, &activations, &logits);
  for (int j = 0; j < 2; ++j) {
    std::vector<float> hidden(4);
    for (int i = 0; i < 4; ++i) {
      float s = net.layer(0).bias(i);
      for (int k = 0; k < 3; ++k) s += net.layer(0).weight(i, k) * x(k, j);
      hidden[i] = std::max(s, 0.0f);
      EXPECT_NEAR(activations[1](i, j), hidden[i], 1e-6);
    }
    for (int c = 0; c < 2; ++c) {
      float s = net.layer(1).bias(c);
      for (int i = 0; i < 4; ++i) s += net.layer(1).weight(c, i) * hidden[i];
      EXPECT_NEAR(logits(c, j), s, 1e-6);
    }
  }
  EXPECT_TRUE(net.Logits(x).isApprox(logits));
}

TEST(NetworkTest, ReluGradientPassesOnlyWhereTheActivationIsPositive) {
  Matrix activation(2, 3), grad(2, 3);
  activation << 0, 1, 0, 2, 0, 3;
  grad << -1, 2, 3, -4, 5, 6;
  ReluGradientInPlace(activation, &grad);
  Matrix expected(2, 3);
  expected << 0, 2, 0, -4, 0, 6;
  EXPECT_EQ(grad, expected);
}

TEST(EvaluationTest, CountsAccuracyAndConfusion) {
  const v1::ModelSpec spec = ParseModelShorthand("linear", 2, 2).value();
  Network net = Network::Create(spec).value();
  net.mutable_layer(0).weight << 1, 0, 0, 1;  // class = larger coordinate
  Matrix x(2, 4);
  x << 1, 0, 2, 0, 0, 1, 0, 3;
  const Evaluation eval = Evaluate(net, x, {0, 1, 1, 1}, /*chunk=*/3);
  EXPECT_EQ(eval.samples, 4);
  EXPECT_DOUBLE_EQ(eval.accuracy, 0.75);
  EXPECT_EQ(eval.confusion, (std::vector<int64_t>{1, 0, 1, 2}));
}

TEST(ModelShorthandTest, ParsesAndRejects) {
  const v1::ModelSpec spec = ParseModelShorthand("mlp:300,100", 784, 10).value();
  ASSERT_EQ(spec.layers_size(), 3);
  EXPECT_EQ(spec.layers(1).dense().units(), 100);
  EXPECT_EQ(spec.layers(2).dense().units(), 10);
  EXPECT_EQ(ParseModelShorthand("mlp:30x", 784, 10).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseModelShorthand("resnet", 784, 10).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fln
