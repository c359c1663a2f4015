// File: parse_text_proto.h
//
// Text-proto parsing for fuzz targets: errors are expected on almost every
// input, so they are dropped instead of logged.
#ifndef FLN_TESTS_FUZZ_PARSE_TEXT_PROTO_H_
#define FLN_TESTS_FUZZ_PARSE_TEXT_PROTO_H_

#include <string>

#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace fln {

inline bool ParseTextProtoQuietly(const std::string& text, google::protobuf::Message* message) {
  class Silent final : public google::protobuf::io::ErrorCollector {
   public:
    void AddError(int, int, const std::string&) override {}
  } silent;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&silent);
  return parser.ParseFromString(text, message);
}

}  // namespace fln

#endif  // FLN_TESTS_FUZZ_PARSE_TEXT_PROTO_H_
