#include "core/fln_blocks.h"

#include <algorithm>
#include <cmath>

#include "core/fenchel.h"
#include "core/gemm.h"
#include "core/softmax.h"
#include "core/symmetric_matrix.h"

namespace fln {
namespace {

// Below this many elements, OpenMP overhead outweighs the work.
constexpr Eigen::Index kParallelElements = 32768;

// Curvature bound of the data term per unit weight: B(., v) has second
// derivative <= 1; softmax cross-entropy's Hessian is <= 1/2 (Bohning).
float CurvatureBound(DataTerm term) { return term == DataTerm::kFenchelRelu ? 1.0f : 0.5f; }

// d/dpre of the data term (without its weight): relu(pre) - target for B,
// softmax(pre) - Y for cross-entropy.
void DataTermResidual(DataTerm term, const Matrix& pre, const Matrix& target, Matrix* residual) {
  if (term == DataTerm::kFenchelRelu) {
    *residual = pre.cwiseMax(0.0f) - target;
  } else {
    SoftmaxColumns(pre, residual);
    *residual -= target;
  }
}

}  // namespace

XBlock::XBlock(const Eigen::Ref<const Matrix>& upstream, float upstream_weight,
               const Layer& layer, const Eigen::Ref<const Matrix>& target,
               float downstream_weight, DataTerm downstream)
    : upstream_(upstream),
      upstream_weight_(upstream_weight),
      layer_(layer),
      target_(target),
      downstream_weight_(downstream_weight),
      downstream_(downstream) {
  lipschitz_ = downstream_weight_ * CurvatureBound(downstream_) *
                   SquaredOperatorNorm(layer_) +
               upstream_weight_;
  if (lipschitz_ <= 0) lipschitz_ = 1e-12f;
}

XBlock::XBlock(const XBlock& whole, Eigen::Index begin, Eigen::Index count)
    : upstream_(whole.upstream_.middleCols(begin, count)),
      upstream_weight_(whole.upstream_weight_),
      layer_(whole.layer_),
      target_(whole.target_.middleCols(begin, count)),
      downstream_weight_(whole.downstream_weight_),
      downstream_(whole.downstream_),
      lipschitz_(whole.lipschitz_) {}

std::unique_ptr<BlockProblem> XBlock::ColumnSlice(Eigen::Index begin, Eigen::Index count) const {
  return std::unique_ptr<BlockProblem>(new XBlock(*this, begin, count));
}

Eigen::Index XBlock::column_tile() const {
  if (!layer_.conv) return kColumnTile;
  // Each sample becomes patch_size x positions im2col values (LeNet-5's X_1:
  // 150 x 100). The convolutions inside a tile form them a few samples at a
  // time (conv2d.h), so the tile sets the per-tile overhead, not the cache
  // footprint: 1 MB of patches (17 samples for X_1) ran X_1 in 0.39-0.41 s
  // per 10,000 images, 256 KB in 0.46 and 64 KB in 0.80 (bench/README.md).
  constexpr Eigen::Index kTileFloats = 262144;
  const Eigen::Index per_sample =
      static_cast<Eigen::Index>(layer_.geometry.patch_size()) * layer_.positions();
  return std::clamp<Eigen::Index>(kTileFloats / per_sample, 1, kColumnTile);
}

void XBlock::Map(const Matrix& z, Matrix* p) const { layer_.Forward(z, p); }

// The X-block's element-wise work is a few passes over n_l x m matrices per
// iteration; it is fused per column and spread over the OpenMP threads
// (the block is separable over samples).
void XBlock::GroupObjectives(const Matrix& z, const Matrix& p, Vector* values) const {
  values->resize(z.cols());
  const bool relu = downstream_ == DataTerm::kFenchelRelu;
#pragma omp parallel for schedule(static) if (z.size() > kParallelElements)
  for (Eigen::Index j = 0; j < z.cols(); ++j) {
    const float upstream = FenchelDivergenceArray(upstream_.col(j), z.col(j)).sum();
    const float downstream = relu ? FenchelDivergenceArray(p.col(j), target_.col(j)).sum()
                                  : CrossEntropyColumn(p.col(j), target_.col(j));
    (*values)(j) = upstream_weight_ * upstream + downstream_weight_ * downstream;
  }
}

void XBlock::Gradient(const Matrix& z, const Matrix& p, Matrix* grad) const {
  Matrix residual(p.rows(), p.cols());
  const bool relu = downstream_ == DataTerm::kFenchelRelu;
#pragma omp parallel for schedule(static) if (p.size() > kParallelElements)
  for (Eigen::Index j = 0; j < p.cols(); ++j) {
    if (relu) {
      residual.col(j) = downstream_weight_ * (p.col(j).cwiseMax(0.0f) - target_.col(j));
    } else {
      const float max_value = p.col(j).maxCoeff();
      residual.col(j) = (p.col(j).array() - max_value).exp().matrix();
      residual.col(j) *= downstream_weight_ / residual.col(j).sum();
      residual.col(j) -= downstream_weight_ * target_.col(j);
    }
  }
  layer_.Transpose(residual, grad);
#pragma omp parallel for schedule(static) if (z.size() > kParallelElements)
  for (Eigen::Index j = 0; j < z.cols(); ++j) {
    grad->col(j) += upstream_weight_ * (z.col(j) - upstream_.col(j));
  }
}

void XBlock::Step(const Matrix& y, const Matrix& grad, Matrix* z) const {
  z->resize(y.rows(), y.cols());
  const float step = 1.0f / lipschitz_;
#pragma omp parallel for schedule(static) if (y.size() > kParallelElements)
  for (Eigen::Index j = 0; j < y.cols(); ++j) {
    z->col(j) = (y.col(j) - step * grad.col(j)).cwiseMax(0.0f);  // projection onto X >= 0
  }
}

WBlock::WBlock(const Matrix& input, const Matrix& target, DataTerm data_term, float data_weight,
               const Layer& anchor, float rho_d, float rho, WStep step, Collective* collective)
    : input_(input),
      target_(target),
      data_term_(data_term),
      data_weight_(data_weight),
      rho_d_(rho_d),
      rho_(rho),
      collective_(collective),
      anchor_(PackAffine(anchor)),
      step_(step) {
  if (anchor.conv) conv_ = anchor.geometry;
  // The Gram matrix of [F; 1^T] from F's, without building [F; 1^T]:
  //   [F F^T  F 1]
  //   [1^T F^T  windows].
  const Eigen::Index inputs = anchor.weight.cols();
  const Eigen::Index n = inputs + 1;
  Matrix input_gram;
  Vector input_sums;
  if (conv_) {
    Conv2dPatchGram(*conv_, input, &input_gram, &input_sums);
  } else {
    GramMatrix(input, &input_gram);
    RowSums(input, &input_sums);
  }
  Matrix gram(n, n);
  gram.topLeftCorner(inputs, inputs) = input_gram;
  gram.col(inputs).head(inputs) = input_sums;
  gram.row(inputs).head(inputs) = gram.col(inputs).head(inputs).transpose();
  gram(inputs, inputs) = static_cast<float>(target.cols());
  collective_->AllReduceSum(&gram);
  const float curvature = data_weight_ * CurvatureBound(data_term_);
  if (step_ == WStep::kGram) {
    metric_factor_ = curvature * gram;
    metric_factor_.diagonal().array() += 2.0f * (rho_d_ + rho_);
    metric_factor_(n - 1, n - 1) -= 2.0f * rho_;  // no ridge on the bias
    // A tiny jitter keeps H positive definite when rho_d = rho = 0.
    metric_factor_.diagonal().array() += 1e-6f * (metric_factor_.trace() / n + 1.0f);
    if (!CholeskyFactorInPlace(&metric_factor_)) step_ = WStep::kLipschitz;
  }
  if (step_ == WStep::kLipschitz) {
    // For symmetric PSD G, ||G||_2^2 = lambda_max(G)^2.
    const float largest_eigenvalue = std::sqrt(SquaredSpectralNorm(gram));
    lipschitz_ = curvature * largest_eigenvalue + 2.0f * (rho_d_ + rho_);
    if (lipschitz_ <= 0) lipschitz_ = 1e-12f;
  }
}

void WBlock::Map(const Matrix& z, Matrix* p) const {
  const Eigen::Index inputs = z.cols() - 1;
  if (conv_) {
    // The convolution itself (conv2d.h), then its output viewed per window.
    Conv2dForward(*conv_, z.leftCols(inputs), z.col(inputs), input_, p);
    ReshapeInPlace(conv_->filters, p->size() / conv_->filters, p);
    return;
  }
  Multiply(z.leftCols(inputs), false, input_, false, p);
  p->colwise() += z.col(inputs);
}

void WBlock::GroupObjectives(const Matrix& z, const Matrix& p, Vector* values) const {
  const Eigen::Index inputs = z.cols() - 1;
  const Vector proximal = rho_d_ * (z - anchor_).rowwise().squaredNorm();
  const Vector ridge = rho_ * z.leftCols(inputs).rowwise().squaredNorm();
  if (data_term_ == DataTerm::kFenchelRelu) {
    Vector data = FenchelDivergenceArray(p, target_).rowwise().sum().matrix();
    collective_->AllReduceSum(&data);
    *values = data_weight_ * data + proximal + ridge;
  } else {
    double data = CrossEntropyPerColumn(p, target_).cast<double>().sum();
    collective_->AllReduceSum(&data, 1);
    values->resize(1);
    (*values)(0) = static_cast<float>(data_weight_ * data + proximal.cast<double>().sum() +
                                      ridge.cast<double>().sum());
  }
}

void WBlock::Gradient(const Matrix& z, const Matrix& p, Matrix* grad) const {
  Matrix residual;
  DataTermResidual(data_term_, p, target_, &residual);
  const Eigen::Index inputs = z.cols() - 1;
  grad->resize(z.rows(), z.cols());
  if (conv_) {
    Matrix weight_grad;
    Conv2dKernelGradient(*conv_, input_, residual, &weight_grad);
    grad->leftCols(inputs) = weight_grad;
  } else {
    MultiplyByTransposeInto(residual, input_, grad->leftCols(inputs));
  }
  Vector bias_grad;
  RowSums(residual, &bias_grad);
  grad->col(inputs) = bias_grad;
  collective_->AllReduceSum(grad);
  *grad *= data_weight_;
  *grad += 2.0f * rho_d_ * (z - anchor_);
  grad->leftCols(inputs) += 2.0f * rho_ * z.leftCols(inputs);
}

void WBlock::Step(const Matrix& y, const Matrix& grad, Matrix* z) const {
  if (step_ == WStep::kGram) {
    *z = grad;  // the step direction grad H^{-1}, solved in place
    SolveOnTheRight(metric_factor_, z);
    *z = y - *z;
  } else {
    *z = y - grad / lipschitz_;
  }
}

Matrix PackAffine(const Layer& layer) {
  Matrix packed(layer.weight.rows(), layer.weight.cols() + 1);
  packed.leftCols(layer.weight.cols()) = layer.weight;
  packed.rightCols(1) = layer.bias;
  return packed;
}

void UnpackAffine(const Matrix& packed, Layer* layer) {
  layer->weight = packed.leftCols(packed.cols() - 1);
  layer->bias = packed.rightCols(1);
}

}  // namespace fln
