// Container metadata carried by a capture: the JSON of CONTAINER_JSON events
// ({"container":{"id":..,"name":..,"image":..,"imagerepo":..,"ip":..,"labels":{..},
// "Mounts":[..],...}}), which sysdig and Falco write into captures so that container.* fields
// can be replayed, and the older CONTAINER_E events (id, type, name, image parameters).
//
// The parser is a small bounded JSON reader: it accepts any JSON document, keeps only the
// fields below, never recurses deeper than kMaxJsonDepth and never throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pg::capture {

// Deepest JSON nesting the container parser accepts.
inline constexpr int kMaxJsonDepth = 32;

// One container mount.
struct ContainerMount {
  std::string source, dest, mode, propagation;
  bool rdwr = false;
};

// What a capture says about one container.
struct ContainerInfo {
  std::string id;  // short (12-character) id
  int type = 0;    // sinsp_container_type: 0 docker, 1 lxc, 6 cri, 7 containerd, 8 crio, ...
  std::string name, image, imagerepo, imagetag, imagedigest, imageid;
  uint32_t ip = 0;  // network byte order (as loaded from memory), 0 when unknown
  bool privileged = false;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<ContainerMount> mounts;
};

// Parses CONTAINER_JSON text. False when it is not JSON or has no "container" object.
[[nodiscard]] bool parse_container_json(std::string_view json, ContainerInfo& out);

// sinsp's name for a container type ("docker", "cri", ...).
const char* container_type_name(int type);

}  // namespace pg::capture
