// Layer: tests (fuzzing). May use every module under test and Glibc; ships in no product.
// A seeded mutation fuzzer: valid seeds are mutated (bit flips, byte inserts and deletes,
// splices, boundary integers written over header fields) and fed to one parser at a time. A
// parser may throw; it may not trap, abort or run out of memory. When it does, a signal
// handler writes the input that did it to the crash folder before the process dies.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One parser under fuzzing: valid seed inputs and a function that parses one input.
struct FuzzTarget {
    /// Short name, also the name of its folder under `Corpus/` and of its crash files.
    let name: String
    /// Valid inputs to start mutating from (the built-in ones; `Corpus/NAME/` adds more).
    let seeds: [[UInt8]]
    /// Parses one input. Throwing is a good outcome (a clear error); trapping is a crash.
    let parse: ([UInt8]) throws -> Void
    /// Rewrites a mutated input before parsing, e.g. to recompute a checksum so the mutation
    /// reaches the fields behind it. Identity by default.
    var repair: ([UInt8]) -> [UInt8] = { $0 }
    /// This target's weight in sharing out an input budget (1 normally; less for targets whose
    /// every input costs milliseconds).
    var share: Double = 1
}

/// A small deterministic generator (SplitMix64), so every run with the same seed feeds the
/// same inputs and a crash can be replayed from its iteration number.
struct FuzzRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// A uniform integer in `0..<bound` (`bound` ≥ 1).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// Mutations of byte strings, biased towards the first and last bytes, where headers, counts
/// and trailers live.
struct Mutator {
    /// Integers that break size arithmetic, written over 1, 2, 4 or 8 bytes.
    static let boundaryValues: [UInt64] = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fff_ffff, 0x8000_0000,
                                           0xffff_fffe, 0xffff_ffff, 0x7fff_ffff_ffff_ffff, 0xffff_ffff_ffff_ffff]
    /// Text fragments that matter to the text formats (CSV, commands, JSON).
    static let tokens: [String] = [",", "\n", "\r\n", "\"", "\\", "=", " ", "#", "x", "-", ".", "e", "nan", "inf", "1e309",
                                   "4294967296", "-1", "0", "{", "}", "[", "]", ":", "null", "\u{FEFF}", "\u{0}", "é", "'"]

    var random: FuzzRandom

    /// A position in `0..<count` (or 0 for empty input), one time in three near the start, one
    /// in three near the end.
    private mutating func position(_ count: Int) -> Int {
        guard count > 0 else { return 0 }
        switch random.below(3) {
        case 0: return random.below(min(count, 64))
        case 1: return count - 1 - random.below(min(count, 64))
        default: return random.below(count)
        }
    }

    /// One to four stacked mutations of `input`, splicing from `others` sometimes.
    mutating func mutate(_ input: [UInt8], others: [[UInt8]]) -> [UInt8] {
        var bytes = input
        for _ in 0...random.below(4) {
            switch random.below(9) {
            case 0 where !bytes.isEmpty: // flip a bit
                let at = position(bytes.count)
                bytes[at] ^= UInt8(1 << random.below(8))
            case 1 where !bytes.isEmpty: // set a random byte
                bytes[position(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
            case 2: // insert random bytes
                let at = random.below(bytes.count + 1)
                bytes.insert(contentsOf: (0..<(1 + random.below(8))).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: at)
            case 3 where !bytes.isEmpty: // delete a range
                let at = position(bytes.count)
                bytes.removeSubrange(at..<min(bytes.count, at + 1 + random.below(16)))
            case 4 where !bytes.isEmpty: // duplicate a range
                let at = position(bytes.count), length = min(bytes.count - at, 1 + random.below(64))
                bytes.insert(contentsOf: bytes[at..<(at + length)], at: random.below(bytes.count + 1))
            case 5 where !others.isEmpty: // splice the start of this input with the end of another
                let other = others[random.below(others.count)]
                bytes = Array(bytes.prefix(random.below(bytes.count + 1))) + other.suffix(random.below(other.count + 1))
            case 6: // a boundary integer over a field, little- or big-endian
                let value = Self.boundaryValues[random.below(Self.boundaryValues.count)]
                let width = [1, 2, 4, 8][random.below(4)]
                guard bytes.count >= width else { break }
                let at = min(position(bytes.count), bytes.count - width)
                let bigEndian = random.below(2) == 0
                for index in 0..<width {
                    let shift = 8 * (bigEndian ? width - 1 - index : index)
                    bytes[at + index] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
                }
            case 7: // insert a token
                let token = Array(Self.tokens[random.below(Self.tokens.count)].utf8)
                bytes.insert(contentsOf: token, at: random.below(bytes.count + 1))
            default: // truncate
                bytes.removeLast(random.below(bytes.count + 1) / (1 + random.below(8)))
            }
        }
        return bytes
    }
}

/// Where the input being parsed is, for the crash handler (set before every parse).
nonisolated(unsafe) private var crashInput: UnsafeMutableBufferPointer<UInt8> = .init(start: nil, count: 0)
nonisolated(unsafe) private var crashInputCount = 0
/// The file the crash handler writes (a C string), per target.
nonisolated(unsafe) private var crashPath: UnsafeMutablePointer<CChar>?

/// Writes the current input to `crashPath`, then dies of the same signal. Only calls that are
/// safe in a signal handler.
private func writeCrashingInput(_ signal: Int32) {
    if let crashPath, let base = crashInput.baseAddress {
        let descriptor = open(crashPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if descriptor >= 0 {
            _ = write(descriptor, base, crashInputCount)
            close(descriptor)
        }
        let note = "\nfuzz: crashing input written to the crash folder (see FUZZING in scripts/fuzz.sh)\n"
        _ = note.withCString { write(2, $0, strlen($0)) }
    }
    Glibc.signal(signal, SIG_DFL)
    raise(signal)
}

/// What a fuzzing run of one target did.
struct FuzzReport {
    let target: String
    var inputs = 0
    /// Inputs the parser accepted (the rest threw an error, as they should mostly).
    var accepted = 0
    var seconds = 0.0
}

/// Runs targets over mutated inputs, catching crashes with a signal handler.
enum FuzzRunner {
    /// Installs the crash handler for the signals a Swift trap, an abort or a bad access raise.
    static func installCrashHandler() {
        for signalNumber in [SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE] {
            signal(signalNumber) { writeCrashingInput($0) }
        }
    }

    /// Parses every seed, then `inputs` mutated inputs of `target`, deterministically from `seed`.
    /// A crashing input is written to `crashFolder/TARGET-crash.bin` before the process dies.
    static func run(_ target: FuzzTarget, inputs: Int, seed: UInt64, crashFolder: String) -> FuzzReport {
        try? FileManager.default.createDirectory(atPath: crashFolder, withIntermediateDirectories: true)
        let path = strdup("\(crashFolder)/\(target.name)-crash.bin")
        defer { free(path) }
        crashPath = path
        var report = FuzzReport(target: target.name)
        let start = Date()
        var mutator = Mutator(random: FuzzRandom(seed: seed))
        // A pool that grows with accepted mutants, so later mutations start from deeper inputs.
        var pool = target.seeds
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 22)
        defer { buffer.deallocate() }
        for iteration in 0..<(target.seeds.count + inputs) {
            let input = iteration < target.seeds.count
                ? target.seeds[iteration]
                : target.repair(mutator.mutate(pool[mutator.random.below(pool.count)], others: pool))
            let recorded = min(input.count, buffer.count)
            _ = buffer.initialize(from: input.prefix(recorded))
            crashInput = buffer
            crashInputCount = recorded
            do {
                try target.parse(input)
                report.accepted += 1
                if iteration >= target.seeds.count && pool.count < 256 && input.count <= buffer.count { pool.append(input) }
            } catch {}
            report.inputs += 1
        }
        crashPath = nil
        report.seconds = Date().timeIntervalSince(start)
        return report
    }
}
