#!/usr/bin/env bash
# Layer: tooling. Regenerates Sources/ModelExchange/Generated/onnx.pb.swift, the Swift messages
# of ONNX's onnx.proto, with protoc and swift-protobuf's protoc-gen-swift. Run by hand when the
# ONNX or swift-protobuf version changes, never by the build (the generated file is committed).
# Touches /tmp/rdc-protoc-gen-swift (the plugin's build) and that one generated file.
#
# Needs: protoc (Debian's protobuf-compiler; not one of the product's dependencies) and the
# test environment (.venv from scripts/python-env.sh), whose onnx package carries onnx.proto.
set -euo pipefail

project_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
protobuf_version=1.39.0
plugin_build=/tmp/rdc-protoc-gen-swift

command -v protoc >/dev/null || { echo "error: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }
proto_dir="$("$project_root/.venv/bin/python" -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')"
onnx_version="$("$project_root/.venv/bin/python" -c 'import onnx; print(onnx.__version__)')"

if [ ! -x "$plugin_build/.build/release/protoc-gen-swift" ]; then
    rm -rf "$plugin_build"
    git clone --quiet --branch "$protobuf_version" --depth 1 https://github.com/apple/swift-protobuf "$plugin_build"
    swift build --package-path "$plugin_build" -c release --product protoc-gen-swift
fi

output="$project_root/Sources/ModelExchange/Generated"
protoc --plugin="protoc-gen-swift=$plugin_build/.build/release/protoc-gen-swift" \
    --swift_opt=Visibility=Internal --swift_out="$output" --proto_path="$proto_dir" onnx.proto
echo "generated $output/onnx.pb.swift from onnx $onnx_version's onnx.proto with swift-protobuf $protobuf_version"
