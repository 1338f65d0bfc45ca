// Layer: tests (fuzzing). May use the file targets and Foundation; ships in no product. The
// libFuzzer entry point of `scripts/fuzz.sh --libfuzzer TARGET`: one file target, named by
// RDC_FUZZ_TARGET, fed libFuzzer's coverage-guided inputs (built with -sanitize=fuzzer,address).

import Foundation

/// The scratch folder and the target chosen by RDC_FUZZ_TARGET, made on first use.
private let chosen: (scratch: ScratchFolder, target: FuzzTarget) = {
    let name = ProcessInfo.processInfo.environment["RDC_FUZZ_TARGET"] ?? ""
    do {
        let scratch = try ScratchFolder()
        let targets = try FuzzTargets.fileTargets(scratch: scratch)
        guard let target = targets.first(where: { $0.name == name }) else {
            fatalError("set RDC_FUZZ_TARGET to one of: \(targets.map(\.name).joined(separator: ", "))")
        }
        return (scratch, target)
    } catch {
        fatalError("cannot set up fuzzing: \(error)")
    }
}()

/// Writes the target's seeds into the folder RDC_FUZZ_SEED_DIR names (libFuzzer's corpus).
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    if let folder = ProcessInfo.processInfo.environment["RDC_FUZZ_SEED_DIR"] {
        for (index, seed) in chosen.target.seeds.enumerated() {
            _ = FileManager.default.createFile(atPath: "\(folder)/seed-\(index)", contents: Data(seed))
        }
    }
    return 0
}

/// Parses one input; a thrown error is a good outcome, a trap is a crash libFuzzer reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = try? chosen.target.parse(chosen.target.repair(input))
    return 0
}
