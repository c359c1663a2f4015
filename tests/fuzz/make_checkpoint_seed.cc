// Writes a checkpoint file of a small initialised MLP to argv[1]: the seed
// of checkpoint_fuzzer's corpus.
#include <fstream>
#include <iostream>

#include "core/model_shorthand.h"
#include "core/network.h"
#include "core/rng.h"
#include "core/tensor_proto.h"
#include "server/checkpoint_store.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_checkpoint_seed OUTPUT\n";
    return 2;
  }
  fln::v1::Checkpoint checkpoint;
  *checkpoint.mutable_spec() = fln::ParseModelShorthand("mlp:4", 6, 3).value();
  fln::Network net = fln::Network::Create(checkpoint.spec()).value();
  fln::Rng rng(1);
  net.InitGlorotUniform(0.1f, &rng);
  fln::NetworkToProto(net, checkpoint.mutable_layers());
  checkpoint.set_format_version(1);
  std::ofstream(argv[1], std::ios::binary) << fln::CheckpointStore::Encode(checkpoint);
  return 0;
}
